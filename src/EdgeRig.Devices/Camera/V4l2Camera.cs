using EdgeRig.Core;
using EdgeRig.Devices.Camera.V4l2;
using EdgeRig.Devices.Hotplug;

namespace EdgeRig.Devices.Camera;

/// <summary>
/// A USB/UVC camera on our own V4L2 layer (rig file driver "v4l2"): memory-mapped streaming, MJPEG passed through
/// untouched, YUYV encoded with TurboJPEG. Each frame's host time is the kernel's CLOCK_MONOTONIC buffer timestamp and its
/// sensor time the V4L2 sequence number, so frames the kernel dropped become sequence gaps the recorder counts; whether the
/// time marks the start of exposure or the end of the frame is recorded in the stream's parameters. A camera that vanishes
/// (ENODEV/EIO, its node removed, or no frame for <see cref="StallTimeout"/>) is lost and reopened (<see cref="HotplugSensor"/>).
/// </summary>
public sealed class V4l2Camera : HotplugSensor, IExposureControl
{
    /// <summary>How long one poll waits, so a stop request is seen within it.</summary>
    public const int PollTimeoutMs = 100;

    private readonly Func<string, IV4l2Node> _openNode;
    private readonly Dictionary<string, string> _parameters;
    private readonly object _exposureGate = new();
    private Duration? _fixedExposure;
    private int? _exposureModeBefore;
    private volatile V4l2Capture? _capture;

    /// <param name="openNode">Opens the device node; the default opens it with <see cref="LinuxV4l2Node.Open"/> (tests pass a fake kernel).</param>
    public V4l2Camera(DeviceProfile profile, IHostClock clock, Func<string, IV4l2Node>? openNode = null)
        : base(profile, DescriptorFor(profile), clock)
    {
        _openNode = openNode ?? LinuxV4l2Node.Open;
        _parameters = (Dictionary<string, string>)Descriptor.Parameters;
        StallTimeout = TimeSpan.FromSeconds(Math.Max(2, 10 / profile.RateHz));
    }

    /// <summary>Parameter keys this driver adds to the stream descriptor, and their values.</summary>
    public const string TimestampSourceKey = "timestampSource", TimestampClockKey = "timestampClock";
    public const string StartOfExposure = "start-of-exposure", EndOfFrame = "end-of-frame", NotYetOpened = "unknown (camera not opened yet)";
    public const string MonotonicClock = "kernel-monotonic", DequeueClock = "dequeue (the driver's buffer time is not CLOCK_MONOTONIC)";

    /// <summary>The stream: JPEG frames stamped by the kernel; the timestamp source is filled in when the camera opens.</summary>
    public static StreamDescriptor DescriptorFor(DeviceProfile p) =>
        SimulatedCamera.DescriptorFor(p) with
        {
            Timestamps = TimestampSource.HostKernel,
            SensorWrapModulus = 1L << 32, // the V4L2 sequence is a __u32
            Parameters = new Dictionary<string, string>
            {
                ["width"] = p.Width.ToString(), ["height"] = p.Height.ToString(), ["fourcc"] = p.Fourcc,
                [TimestampSourceKey] = NotYetOpened, [TimestampClockKey] = NotYetOpened,
            },
        };

    /// <summary>No frame for this long, with the node still present, counts as a lost device (a hung camera is reopened).</summary>
    public TimeSpan StallTimeout { get; init; }

    /// <summary>Frames the kernel counted but this driver never got (sequence gaps), plus frames marked damaged.</summary>
    public long DroppedFrames { get; private set; }

    /// <summary>Frames the driver flagged as damaged (V4L2_BUF_FLAG_ERROR) or that held no image; left out as gaps.</summary>
    public long DamagedFrames { get; private set; }

    /// <summary>Why the fixed exposure could not be applied when the camera last opened (it lacks the control), or null.</summary>
    public string? ExposureFault { get; private set; }

    /// <summary>The video devices this host has (/dev/video*), in name order.</summary>
    public static IReadOnlyList<string> EnumerateDevices(string devDirectory = "/dev") =>
        Directory.Exists(devDirectory)
            ? Directory.GetFiles(devDirectory, "video*").Where(p => int.TryParse(Path.GetFileName(p)[5..], out _)).Order(StringComparer.Ordinal).ToArray()
            : [];

    protected override IDisposable OpenDevice()
    {
        var capture = new V4l2Capture(_openNode(Profile.Path), Profile);
        try
        {
            uint flags = capture.Queue.QueuedFlags;
            bool monotonic = (flags & V4l2Abi.BufFlagTimestampMask) == V4l2Abi.BufFlagTimestampMonotonic;
            bool soe = (flags & V4l2Abi.BufFlagTimestampSourceMask) == V4l2Abi.BufFlagTimestampSourceSoe;
            _parameters[TimestampSourceKey] = soe ? StartOfExposure : EndOfFrame; // keys exist already: overwriting keeps readers' enumeration valid
            _parameters[TimestampClockKey] = monotonic ? MonotonicClock : DequeueClock;
            lock (_exposureGate)
            {
                _capture = capture;
                ExposureFault = null;
                if (_fixedExposure is { } exposure)
                {
                    try
                    {
                        ApplyExposure(capture.Device, exposure);
                    }
                    catch (V4l2DeviceException e) when (!e.DeviceGone)
                    {
                        ExposureFault = e.Message; // a camera without the control still records; the calibration run sees why
                    }
                }
            }
            return capture;
        }
        catch
        {
            _capture = null;
            capture.Dispose();
            throw;
        }
    }

    protected override void RunSession(IDisposable device, ISampleSink sink, CancellationToken stop)
    {
        var capture = (V4l2Capture)device;
        try
        {
            Capture(capture, sink, stop);
        }
        finally
        {
            lock (_exposureGate) _capture = null;
        }
    }

    private void Capture(V4l2Capture capture, ISampleSink sink, CancellationToken stop)
    {
        long quietPolls = 0, stallPolls = Math.Max(1, (long)Math.Ceiling(StallTimeout.TotalMilliseconds / PollTimeoutMs));
        uint? last = null;
        while (!stop.IsCancellationRequested)
        {
            if (!capture.Queue.TryDequeue(PollTimeoutMs, out var frame))
            {
                if (!capture.Node.StillPresent) throw new V4l2DeviceException(Profile.Path, "the device node disappeared");
                if (++quietPolls >= stallPolls) throw new V4l2DeviceException(Profile.Path, $"no frame for {StallTimeout.TotalSeconds:0.#} s");
                continue;
            }
            quietPolls = 0;
            try
            {
                if (last is { } previous) Skip(GapBetween(previous, frame.Sequence));
                last = frame.Sequence;
                if (frame.Damaged || !capture.TryJpeg(frame, out byte[] jpeg))
                {
                    DamagedFrames++;
                    Skip(1); // its number is left out: the recorder sees the frame as lost
                    continue;
                }
                var host = frame.MonotonicClock ? new HostTime(frame.TimestampNs) : Clock.Now;
                sink.Publish(new Sample(Descriptor.Id, NextSequence(), new SensorTime(frame.Sequence), host, default, jpeg));
            }
            finally
            {
                capture.Queue.Queue(frame.Index);
            }
        }
    }

    private void Skip(long frames)
    {
        DroppedFrames += frames;
        SkipSequence(frames);
    }

    /// <summary>Frames missing between two V4L2 sequence numbers (which wrap at 2^32); 0 when the count restarted.</summary>
    public static long GapBetween(uint previous, uint next)
    {
        uint delta = unchecked(next - previous);
        return delta is 0 or > int.MaxValue ? 0 : delta - 1;
    }

    /// <summary>
    /// Fixes the exposure (manual mode, V4L2_CID_EXPOSURE_ABSOLUTE) for a calibration run, now if the camera is open and
    /// again whenever it reopens, until <see cref="ReleaseExposure"/>.
    /// </summary>
    /// <exception cref="V4l2DeviceException">the open camera refused a control.</exception>
    public void FixExposure(Duration exposure)
    {
        if (exposure <= Duration.Zero) throw new ArgumentOutOfRangeException(nameof(exposure), exposure, "an exposure must be positive");
        lock (_exposureGate)
        {
            _fixedExposure = exposure;
            if (_capture is { } capture) ApplyExposure(capture.Device, exposure);
        }
    }

    /// <summary>Gives exposure back to the camera's automatic mode as it was before <see cref="FixExposure"/>.</summary>
    public void ReleaseExposure()
    {
        lock (_exposureGate)
        {
            _fixedExposure = null;
            if (_capture is { } capture && _exposureModeBefore is { } mode) capture.Device.SetControl(V4l2Abi.CidExposureAuto, mode);
            _exposureModeBefore = null;
        }
    }

    private void ApplyExposure(V4l2Device device, Duration exposure)
    {
        _exposureModeBefore ??= device.GetControl(V4l2Abi.CidExposureAuto);
        device.SetControl(V4l2Abi.CidExposureAuto, V4l2Abi.ExposureManual);
        long units = Math.Max(1, (long)Math.Round(exposure.TotalMilliseconds * 1000 / V4l2Abi.ExposureAbsoluteUnitMicroseconds));
        device.SetControl(V4l2Abi.CidExposureAbsolute, (int)Math.Min(int.MaxValue, units));
    }
}
