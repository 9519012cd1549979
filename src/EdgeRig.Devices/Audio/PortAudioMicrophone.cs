using System.Runtime.InteropServices;
using EdgeRig.Core;
using EdgeRig.Devices.Hotplug;
using EdgeRig.Timing;

namespace EdgeRig.Devices.Audio;

/// <summary>
/// A microphone read through PortAudio (ALSA on the board): an input stream of interleaved s16le whose callback
/// only copies each block into a pinned, pre-allocated <see cref="AudioBlockRing"/> with its first frame index
/// and host time; a pump thread hands the blocks to the sink. Sensor time is the frame index (at the sample
/// rate); host time is when the block ended, from PortAudio's inputBufferAdcTime (mapped onto CLOCK_MONOTONIC
/// via the callback's currentTime) when the host API gives it, else the callback time. Rig file: driver
/// "portaudio", deviceName (substring; empty for the default input), rateHz, channels, blockFrames.
/// </summary>
public sealed unsafe class PortAudioMicrophone : HotplugSensor
{
    private readonly AudioBlockRing _ring;
    private readonly double _blockSeconds;

    public PortAudioMicrophone(DeviceProfile profile, IHostClock clock) : base(profile, SimulatedMicrophone.DescriptorFor(profile), clock)
    {
        _ring = new AudioBlockRing(profile.BlockFrames * profile.Channels * 2, Math.Max(8, (int)Math.Ceiling(2.0 * profile.RateHz / profile.BlockFrames)));
        _blockSeconds = profile.BlockFrames / profile.RateHz;
    }

    /// <summary>Blocks dropped in the callback because the pump fell behind (two seconds of audio).</summary>
    public long RingOverflows => _ring.Overflows;

    /// <summary>Callbacks PortAudio flagged with an input overflow (the device's own buffer overran).</summary>
    public long InputOverflows => _callbackState?.InputOverflows ?? 0;

    /// <summary>No block for this long counts as the device gone.</summary>
    public TimeSpan SilenceTimeout { get; init; } = TimeSpan.FromSeconds(1);

    private CallbackState? _callbackState;

    /// <summary>What the callback reads and writes; reached through a GCHandle passed as PortAudio's userData.</summary>
    private sealed class CallbackState(AudioBlockRing ring, int bytesPerFrame, double blockSeconds)
    {
        public readonly AudioBlockRing Ring = ring;
        public readonly int BytesPerFrame = bytesPerFrame;
        public readonly long BlockNs = (long)(blockSeconds * 1e9);
        public long Frames;
        public long InputOverflows;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    private static int OnAudio(void* input, void* output, nuint frameCount, PortAudioNative.StreamCallbackTimeInfo* time, nuint flags, void* userData)
    {
        if (GCHandle.FromIntPtr((nint)userData).Target is not CallbackState state) return PortAudioNative.PaContinue;
        long now = LinuxClock.ReadNanoseconds(LinuxClock.Monotonic);
        long host = now;
        double lag = time->CurrentTime - time->InputBufferAdcTime;
        if (time->InputBufferAdcTime > 0 && lag is >= 0 and < 1)
            host = now - (long)(lag * 1e9) + state.BlockNs; // when the block's last frame was sampled
        if ((flags & PortAudioNative.PaInputOverflow) != 0) state.InputOverflows++;
        if (input is not null) state.Ring.TryWrite((byte*)input, (int)frameCount * state.BytesPerFrame, state.Frames, host);
        state.Frames += (long)frameCount;
        return PortAudioNative.PaContinue;
    }

    protected override IDisposable OpenDevice() => new InputStream(this);

    protected override void RunSession(IDisposable device, ISampleSink sink, CancellationToken stop)
    {
        var stream = (InputStream)device;
        var lastBlock = Clock.Now;
        var pollInterval = TimeSpan.FromMilliseconds(Math.Clamp(_blockSeconds * 250, 1, 20));
        while (!stop.IsCancellationRequested)
        {
            bool any = false;
            while (_ring.TryRead(out var block, out long firstFrame, out long hostNs))
            {
                any = true;
                sink.Publish(new Sample(Descriptor.Id, NextSequence(), new SensorTime(firstFrame), new HostTime(hostNs), default, block));
            }
            var now = Clock.Now;
            if (any) lastBlock = now;
            else if ((now - lastBlock).ToTimeSpan() > SilenceTimeout || PortAudioNative.Pa_IsStreamActive(stream.Handle) != 1)
                throw new IOException($"no audio from '{Profile.DeviceName}' for {SilenceTimeout.TotalSeconds:0.#} s");
            stop.WaitHandle.WaitOne(pollInterval);
        }
    }

    /// <summary>One open PortAudio input stream; disposing aborts and closes it and releases PortAudio.</summary>
    private sealed class InputStream : IDisposable
    {
        private GCHandle _state;

        public InputStream(PortAudioMicrophone mic)
        {
            PortAudioNative.Check(PortAudioNative.Pa_Initialize(), "Pa_Initialize");
            try
            {
                var p = mic.Profile;
                int device = FindDevice(p.DeviceName);
                var info = PortAudioNative.Pa_GetDeviceInfo(device);
                var input = new PortAudioNative.StreamParameters
                {
                    Device = device,
                    ChannelCount = p.Channels,
                    SampleFormat = PortAudioNative.PaInt16,
                    SuggestedLatency = info->DefaultLowInputLatency,
                };
                var state = new CallbackState(mic._ring, p.Channels * 2, mic._blockSeconds);
                mic._callbackState = state;
                _state = GCHandle.Alloc(state);
                PortAudioNative.Check(PortAudioNative.Pa_OpenStream(out var handle, &input, null, p.RateHz, (nuint)p.BlockFrames, 0, &OnAudio,
                    (void*)GCHandle.ToIntPtr(_state)), $"Pa_OpenStream('{p.DeviceName}', {p.RateHz} Hz, {p.Channels} ch)");
                Handle = handle;
                PortAudioNative.Check(PortAudioNative.Pa_StartStream(Handle), "Pa_StartStream");
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public nint Handle { get; private set; }

        private static int FindDevice(string name)
        {
            if (string.IsNullOrEmpty(name))
            {
                int d = PortAudioNative.Pa_GetDefaultInputDevice();
                return d != PortAudioNative.PaNoDevice ? d : throw new IOException("no default audio input device");
            }
            var inputs = PortAudioDevices.ListInputsInitialised();
            var match = inputs.FirstOrDefault(i => i.Name == name) ?? inputs.FirstOrDefault(i => i.Name.Contains(name, StringComparison.OrdinalIgnoreCase));
            return match?.Index ?? throw new IOException($"no audio input named '{name}' (have: {string.Join(", ", inputs.Select(i => i.Name))})");
        }

        public void Dispose()
        {
            if (Handle != 0)
            {
                PortAudioNative.Pa_AbortStream(Handle);
                PortAudioNative.Pa_CloseStream(Handle);
                Handle = 0;
            }
            if (_state.IsAllocated) _state.Free();
            PortAudioNative.Pa_Terminate();
        }
    }
}
