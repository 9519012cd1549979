using System.Diagnostics;
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
/// Hot-plug: no block for <see cref="SilenceTimeout"/> (or an inactive stream) is a lost device; each stream has
/// its own ring, closed first on teardown, so nothing of a lost stream is published after it; teardown waits at
/// most <see cref="CloseTimeout"/> and otherwise abandons the stream (see <see cref="AbandonedStreams"/>).
/// </summary>
public sealed unsafe class PortAudioMicrophone : HotplugSensor
{
    private readonly int _blockBytes;
    private readonly int _ringBlocks;
    private readonly double _blockSeconds;
    private readonly Action<string> _log;
    private InputStream? _stream; // the open stream, for the counters
    private long _closedRingOverflows;
    private long _closedInputOverflows;
    private long _abandonedStreams;

    /// <param name="log">where abandoned streams are reported; standard error when null.</param>
    public PortAudioMicrophone(DeviceProfile profile, IHostClock clock, Action<string>? log = null)
        : base(profile, SimulatedMicrophone.DescriptorFor(profile), clock)
    {
        _blockBytes = profile.BlockFrames * profile.Channels * 2;
        _ringBlocks = Math.Max(8, (int)Math.Ceiling(2.0 * profile.RateHz / profile.BlockFrames));
        _blockSeconds = profile.BlockFrames / profile.RateHz;
        _log = log ?? (m => Console.Error.WriteLine($"{profile.Id}: {m}"));
    }

    /// <summary>Blocks dropped in the callback because the pump fell behind (two seconds of audio), over all streams.</summary>
    public long RingOverflows => Interlocked.Read(ref _closedRingOverflows) + (Volatile.Read(ref _stream)?.Ring.Overflows ?? 0);

    /// <summary>Callbacks PortAudio flagged with an input overflow (the device's own buffer overran), over all streams.</summary>
    public long InputOverflows => Interlocked.Read(ref _closedInputOverflows) + (Volatile.Read(ref _stream)?.InputOverflows ?? 0);

    /// <summary>Streams whose abort did not return within <see cref="CloseTimeout"/>: left to PortAudio, handle leaked.</summary>
    public long AbandonedStreams => Interlocked.Read(ref _abandonedStreams);

    /// <summary>No block for this long counts as the device gone.</summary>
    public TimeSpan SilenceTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long closing a stream may take before it is abandoned (a stalled device blocks Pa_AbortStream for ever).</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

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
        if (GCHandle.FromIntPtr((nint)userData).Target is not CallbackState state) return PortAudioNative.PaAbort;
        if (state.Ring.IsClosed) return PortAudioNative.PaAbort; // the stream is being torn down: its blocks go nowhere
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

    protected override IDisposable OpenDevice()
    {
        var stream = new InputStream(this);
        Volatile.Write(ref _stream, stream);
        return stream;
    }

    protected override void RunSession(IDisposable device, ISampleSink sink, CancellationToken stop)
    {
        var stream = (InputStream)device;
        var lastBlock = Clock.Now;
        var pollInterval = TimeSpan.FromMilliseconds(Math.Clamp(_blockSeconds * 250, 1, 20));
        while (!stop.IsCancellationRequested)
        {
            bool any = false;
            while (stream.Ring.TryRead(out var block, out long firstFrame, out long hostNs))
            {
                any = true;
                sink.Publish(new Sample(Descriptor.Id, NextSequence(), new SensorTime(firstFrame), new HostTime(hostNs), default, block));
            }
            var now = Clock.Now;
            if (any) lastBlock = now;
            else if ((now - lastBlock).ToTimeSpan() > SilenceTimeout)
                throw new IOException($"no audio from '{Profile.DeviceName}' for {SilenceTimeout.TotalSeconds:0.###} s");
            else if (!stream.IsActive)
                throw new IOException($"the PortAudio stream of '{Profile.DeviceName}' stopped (its device failed)");
            stop.WaitHandle.WaitOne(pollInterval);
        }
    }

    private void Closed(InputStream stream)
    {
        Interlocked.CompareExchange(ref _stream, null, stream);
        Interlocked.Add(ref _closedRingOverflows, stream.Ring.Overflows);
        Interlocked.Add(ref _closedInputOverflows, stream.InputOverflows);
    }

    private void Abandoned(TimeSpan waited)
    {
        Interlocked.Increment(ref _abandonedStreams);
        _log($"PortAudio stream of '{Profile.DeviceName}' did not close within {waited.TotalMilliseconds:0} ms "
            + "(the device stalled in a read): abandoned, its handle and thread left to PortAudio; reopening");
    }

    /// <summary>
    /// One open PortAudio input stream with its own ring. Disposing closes the ring (the callback then asks PortAudio
    /// to stop), aborts and closes the stream and releases PortAudio on a closer thread, and waits for that thread at
    /// most <see cref="CloseTimeout"/>; past that the stream is abandoned: its GCHandle stays allocated (the callback
    /// may still run) and the closer finishes the job if the abort ever returns.
    /// </summary>
    private sealed class InputStream : IDisposable
    {
        private const int Closing = 0, Closed = 1, Abandoned = 2;
        private readonly PortAudioMicrophone _mic;
        private readonly CallbackState _state;
        private GCHandle _userData;
        private nint _handle;
        private int _disposed;
        private int _phase = Closing;

        public InputStream(PortAudioMicrophone mic)
        {
            _mic = mic;
            var p = mic.Profile;
            lock (PortAudioNative.Gate)
            {
                PortAudioNative.Check(PortAudioNative.Pa_Initialize(), "Pa_Initialize");
                try
                {
                    int device = FindDevice(p.DeviceName);
                    var info = PortAudioNative.Pa_GetDeviceInfo(device);
                    var input = new PortAudioNative.StreamParameters
                    {
                        Device = device,
                        ChannelCount = p.Channels,
                        SampleFormat = PortAudioNative.PaInt16,
                        SuggestedLatency = info->DefaultLowInputLatency,
                    };
                    Ring = new AudioBlockRing(mic._blockBytes, mic._ringBlocks);
                    _state = new CallbackState(Ring, p.Channels * 2, mic._blockSeconds);
                    _userData = GCHandle.Alloc(_state);
                    PortAudioNative.Check(PortAudioNative.Pa_OpenStream(out var handle, &input, null, p.RateHz, (nuint)p.BlockFrames, 0, &OnAudio,
                        (void*)GCHandle.ToIntPtr(_userData)), $"Pa_OpenStream('{p.DeviceName}', {p.RateHz} Hz, {p.Channels} ch)");
                    _handle = handle;
                    PortAudioNative.Check(PortAudioNative.Pa_StartStream(_handle), "Pa_StartStream");
                }
                catch
                {
                    if (_handle != 0) PortAudioNative.Pa_CloseStream(_handle); // never started: no thread to wait for
                    if (_userData.IsAllocated) _userData.Free();
                    PortAudioNative.Pa_Terminate();
                    throw;
                }
            }
        }

        /// <summary>The blocks of this stream, and of no other.</summary>
        public AudioBlockRing Ring { get; }

        public long InputOverflows => Volatile.Read(ref _state.InputOverflows);

        public bool IsActive
        {
            get
            {
                lock (PortAudioNative.Gate) return PortAudioNative.Pa_IsStreamActive(_handle) == 1;
            }
        }

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
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            Ring.Close();
            _mic.Closed(this);
            var closer = new Thread(Close) { IsBackground = true, Name = $"portaudio-close-{_mic.DeviceId}" };
            closer.Start();
            if (!closer.Join(_mic.CloseTimeout) && Interlocked.CompareExchange(ref _phase, Abandoned, Closing) == Closing)
                _mic.Abandoned(_mic.CloseTimeout);
        }

        private void Close()
        {
            long began = Stopwatch.GetTimestamp();
            PortAudioNative.Pa_AbortStream(_handle); // outside the gate: blocks for as long as PortAudio's thread is stuck in a read
            lock (PortAudioNative.Gate)
            {
                PortAudioNative.Pa_CloseStream(_handle);
                PortAudioNative.Pa_Terminate();
            }
            _userData.Free();
            if (Interlocked.Exchange(ref _phase, Closed) == Abandoned)
                _mic._log($"abandoned PortAudio stream of '{_mic.Profile.DeviceName}' closed at last, {Stopwatch.GetElapsedTime(began).TotalSeconds:0.0} s after its abort began");
        }
    }
}
