using System.Runtime.InteropServices;

namespace EdgeRig.Devices.Audio;

/// <summary>The few PortAudio v19 calls the microphone driver needs, bound to Debian's libportaudio2 (libportaudio.so.2).</summary>
internal static unsafe partial class PortAudioNative
{
    private const string Library = "libportaudio.so.2";

    /// <summary>
    /// Serialises every call but Pa_AbortStream (PortAudio is not thread-safe, and its initialisation count and open
    /// stream list are plain globals). Abort is left out because it can block for ever on a stalled device: it is
    /// called on a closer thread of its own (see PortAudioMicrophone), never while holding this.
    /// </summary>
    public static readonly Lock Gate = new();

    public const nuint PaInt16 = 0x00000008;
    public const int PaNoDevice = -1;
    public const int PaContinue = 0;
    public const int PaAbort = 2;
    public const nuint PaInputOverflow = 0x00000002;

    [StructLayout(LayoutKind.Sequential)]
    public struct DeviceInfo
    {
        public int StructVersion;
        public nint Name;
        public int HostApi;
        public int MaxInputChannels;
        public int MaxOutputChannels;
        public double DefaultLowInputLatency;
        public double DefaultLowOutputLatency;
        public double DefaultHighInputLatency;
        public double DefaultHighOutputLatency;
        public double DefaultSampleRate;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct HostApiInfo
    {
        public int StructVersion;
        public int Type;
        public nint Name;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct StreamParameters
    {
        public int Device;
        public int ChannelCount;
        public nuint SampleFormat;
        public double SuggestedLatency;
        public nint HostApiSpecificStreamInfo;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct StreamCallbackTimeInfo
    {
        public double InputBufferAdcTime;
        public double CurrentTime;
        public double OutputBufferDacTime;
    }

    [LibraryImport(Library)] public static partial int Pa_Initialize();
    [LibraryImport(Library)] public static partial int Pa_Terminate();
    [LibraryImport(Library)] public static partial int Pa_GetDeviceCount();
    [LibraryImport(Library)] public static partial int Pa_GetDefaultInputDevice();
    [LibraryImport(Library)] public static partial DeviceInfo* Pa_GetDeviceInfo(int device);
    [LibraryImport(Library)] public static partial HostApiInfo* Pa_GetHostApiInfo(int hostApi);
    [LibraryImport(Library)] public static partial nint Pa_GetErrorText(int error);

    [LibraryImport(Library)]
    public static partial int Pa_OpenStream(out nint stream, StreamParameters* input, StreamParameters* output, double sampleRate,
        nuint framesPerBuffer, nuint flags,
        delegate* unmanaged[Cdecl]<void*, void*, nuint, StreamCallbackTimeInfo*, nuint, void*, int> callback, void* userData);

    [LibraryImport(Library)] public static partial int Pa_StartStream(nint stream);
    [LibraryImport(Library)] public static partial int Pa_AbortStream(nint stream);
    [LibraryImport(Library)] public static partial int Pa_CloseStream(nint stream);
    [LibraryImport(Library)] public static partial int Pa_IsStreamActive(nint stream);

    /// <summary>PortAudio's text for an error code.</summary>
    public static string ErrorText(int error) => Marshal.PtrToStringUTF8(Pa_GetErrorText(error)) ?? $"PortAudio error {error}";

    /// <exception cref="IOException">PortAudio returned an error; the message says which call and why.</exception>
    public static void Check(int result, string call)
    {
        if (result < 0) throw new IOException($"{call} failed: {ErrorText(result)}");
    }
}

/// <summary>A capture device PortAudio offers: index, name, host API, input channels and default rate.</summary>
public sealed record AudioInputDevice(int Index, string Name, string HostApi, int MaxInputChannels, double DefaultSampleRate);

/// <summary>Lists PortAudio's input devices (ALSA PCMs and cards on Linux).</summary>
public static unsafe class PortAudioDevices
{
    /// <exception cref="IOException">libportaudio cannot be initialised.</exception>
    /// <exception cref="DllNotFoundException">libportaudio2 is not installed.</exception>
    public static IReadOnlyList<AudioInputDevice> ListInputs()
    {
        lock (PortAudioNative.Gate)
        {
            PortAudioNative.Check(PortAudioNative.Pa_Initialize(), "Pa_Initialize");
            try
            {
                return ListInputsInitialised();
            }
            finally
            {
                PortAudioNative.Pa_Terminate();
            }
        }
    }

    /// <summary>Call between Pa_Initialize and Pa_Terminate, holding <see cref="PortAudioNative.Gate"/>.</summary>
    internal static List<AudioInputDevice> ListInputsInitialised()
    {
        var list = new List<AudioInputDevice>();
        int count = PortAudioNative.Pa_GetDeviceCount();
        for (int i = 0; i < count; i++)
        {
            var info = PortAudioNative.Pa_GetDeviceInfo(i);
            if (info is null || info->MaxInputChannels <= 0) continue;
            var api = PortAudioNative.Pa_GetHostApiInfo(info->HostApi);
            list.Add(new AudioInputDevice(i, Marshal.PtrToStringUTF8(info->Name) ?? "", api is null ? "" : Marshal.PtrToStringUTF8(api->Name) ?? "",
                info->MaxInputChannels, info->DefaultSampleRate));
        }
        return list;
    }
}
