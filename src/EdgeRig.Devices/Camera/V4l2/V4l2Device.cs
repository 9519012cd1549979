using System.Text;
using EdgeRig.Core;

namespace EdgeRig.Devices.Camera.V4l2;

/// <summary>What VIDIOC_QUERYCAP says of a device (the device's own capabilities when it reports them).</summary>
public sealed record V4l2DeviceInfo(string Driver, string Card, string BusInfo, uint Capabilities)
{
    public bool CanCaptureByStreaming => (Capabilities & V4l2Abi.CapVideoCapture) != 0 && (Capabilities & V4l2Abi.CapStreaming) != 0;
}

/// <summary>A frame size a format offers: one size (Step 0) or a range in steps.</summary>
public readonly record struct V4l2FrameSize(uint MinWidth, uint MaxWidth, uint StepWidth, uint MinHeight, uint MaxHeight, uint StepHeight)
{
    public bool Contains(int width, int height) => Fits(width, MinWidth, MaxWidth, StepWidth) && Fits(height, MinHeight, MaxHeight, StepHeight);

    private static bool Fits(int v, uint min, uint max, uint step) => v >= min && v <= max && (step <= 1 || (v - min) % step == 0);

    public override string ToString() => MinWidth == MaxWidth && MinHeight == MaxHeight ? $"{MinWidth}x{MinHeight}" : $"{MinWidth}x{MinHeight}..{MaxWidth}x{MaxHeight}";
}

/// <summary>A frame interval range a format and size offer, in seconds (min = max for a discrete one).</summary>
public readonly record struct V4l2FrameIntervals(double MinSeconds, double MaxSeconds)
{
    public bool Contains(double seconds) => seconds >= MinSeconds * 0.99 && seconds <= MaxSeconds * 1.01;

    public override string ToString() => MinSeconds == MaxSeconds ? $"{1 / MinSeconds:0.##} fps" : $"{1 / MaxSeconds:0.##}..{1 / MinSeconds:0.##} fps";
}

/// <summary>
/// The typed V4L2 control calls of one open node: capabilities, the format/size/interval enumerations, S_FMT, S_PARM and
/// G/S_CTRL. Every failure is a <see cref="V4l2DeviceException"/> naming the node, the call and the errno.
/// </summary>
public sealed class V4l2Device(IV4l2Node node)
{
    public IV4l2Node Node { get; } = node;

    public string Path => Node.Path;

    /// <exception cref="V4l2DeviceException">the call failed (not a V4L2 device: ENOTTY).</exception>
    public unsafe V4l2DeviceInfo QueryCapabilities()
    {
        var cap = new V4l2Capability();
        Call(V4l2Abi.QueryCapability, ref cap, "VIDIOC_QUERYCAP");
        uint caps = (cap.Capabilities & V4l2Abi.CapDeviceCaps) != 0 ? cap.DeviceCaps : cap.Capabilities;
        return new V4l2DeviceInfo(Text(cap.Driver, 16), Text(cap.Card, 32), Text(cap.BusInfo, 32), caps);
    }

    /// <summary>The pixel formats the device captures in (VIDIOC_ENUM_FMT until EINVAL).</summary>
    public IReadOnlyList<uint> EnumerateFormats()
    {
        var formats = new List<uint>();
        for (uint i = 0; ; i++)
        {
            var d = new V4l2FormatDescription { Index = i, Type = V4l2Abi.BufTypeVideoCapture };
            if (!TryEnumerate(V4l2Abi.EnumFormat, ref d, "VIDIOC_ENUM_FMT")) return formats;
            formats.Add(d.PixelFormat);
        }
    }

    /// <summary>The frame sizes of a pixel format (VIDIOC_ENUM_FRAMESIZES).</summary>
    public IReadOnlyList<V4l2FrameSize> EnumerateFrameSizes(uint pixelFormat)
    {
        var sizes = new List<V4l2FrameSize>();
        for (uint i = 0; ; i++)
        {
            var e = new V4l2FrameSizeEnum { Index = i, PixelFormat = pixelFormat };
            if (!TryEnumerate(V4l2Abi.EnumFrameSizes, ref e, "VIDIOC_ENUM_FRAMESIZES")) return sizes;
            var s = e.Stepwise;
            sizes.Add(e.Type == V4l2Abi.FrameSizeDiscrete
                ? new V4l2FrameSize(e.DiscreteWidth, e.DiscreteWidth, 0, e.DiscreteHeight, e.DiscreteHeight, 0)
                : new V4l2FrameSize(s.MinWidth, s.MaxWidth, s.StepWidth, s.MinHeight, s.MaxHeight, s.StepHeight));
            if (e.Type != V4l2Abi.FrameSizeDiscrete) return sizes; // a range is the only entry
        }
    }

    /// <summary>The frame intervals of a pixel format at a size (VIDIOC_ENUM_FRAMEINTERVALS).</summary>
    public IReadOnlyList<V4l2FrameIntervals> EnumerateFrameIntervals(uint pixelFormat, int width, int height)
    {
        var intervals = new List<V4l2FrameIntervals>();
        for (uint i = 0; ; i++)
        {
            var e = new V4l2FrameIntervalEnum { Index = i, PixelFormat = pixelFormat, Width = (uint)width, Height = (uint)height };
            if (!TryEnumerate(V4l2Abi.EnumFrameIntervals, ref e, "VIDIOC_ENUM_FRAMEINTERVALS")) return intervals;
            if (e.Type == V4l2Abi.FrameIntervalDiscrete)
            {
                intervals.Add(new V4l2FrameIntervals(Seconds(e.Discrete), Seconds(e.Discrete)));
                continue;
            }
            intervals.Add(new V4l2FrameIntervals(Seconds(e.StepwiseMin), Seconds(e.StepwiseMax)));
            return intervals;
        }
    }

    /// <summary>VIDIOC_S_FMT for capture, progressive; returns the format the driver chose (it may adjust the request).</summary>
    public V4l2PixFormat SetFormat(uint pixelFormat, int width, int height)
    {
        var f = new V4l2Format { Type = V4l2Abi.BufTypeVideoCapture };
        f.Pix.Width = (uint)width;
        f.Pix.Height = (uint)height;
        f.Pix.PixelFormat = pixelFormat;
        f.Pix.Field = V4l2Abi.FieldNone;
        Call(V4l2Abi.SetFormat, ref f, "VIDIOC_S_FMT");
        return f.Pix;
    }

    /// <summary>VIDIOC_S_PARM with a frame interval of 1/<paramref name="rateHz"/>; false when the driver has no frame
    /// interval setting (no S_PARM, or no V4L2_CAP_TIMEPERFRAME). <paramref name="actualHz"/> is the rate the driver chose.</summary>
    public bool TrySetFrameRate(double rateHz, out double actualHz)
    {
        actualHz = 0;
        var p = new V4l2StreamParameters { Type = V4l2Abi.BufTypeVideoCapture };
        (p.Capture.TimePerFrame.Numerator, p.Capture.TimePerFrame.Denominator) = IntervalOf(rateHz);
        int errno = Ioctl(V4l2Abi.SetParameters, ref p);
        if (errno is Libc.ENotTy or Libc.EInval) return false;
        if (errno != 0) throw new V4l2DeviceException(Path, "VIDIOC_S_PARM", errno);
        var t = p.Capture.TimePerFrame;
        actualHz = t.Numerator == 0 ? 0 : (double)t.Denominator / t.Numerator;
        return (p.Capture.Capability & V4l2Abi.CapTimePerFrame) != 0;
    }

    /// <summary>1/rate as a fraction in thousandths, reduced (30 → 1/30, 29.97 → 1000/29970 → 100/2997).</summary>
    public static (uint Numerator, uint Denominator) IntervalOf(double rateHz)
    {
        uint n = 1000, d = (uint)Math.Round(rateHz * 1000);
        uint g = Gcd(n, d);
        return (n / g, d / g);

        static uint Gcd(uint a, uint b) => b == 0 ? a : Gcd(b, a % b);
    }

    public int GetControl(uint id)
    {
        var c = new V4l2Control { Id = id };
        Call(V4l2Abi.GetControl, ref c, $"VIDIOC_G_CTRL 0x{id:x8}");
        return c.Value;
    }

    public void SetControl(uint id, int value)
    {
        var c = new V4l2Control { Id = id, Value = value };
        Call(V4l2Abi.SetControl, ref c, $"VIDIOC_S_CTRL 0x{id:x8}={value}");
    }

    /// <summary>Makes an ioctl, retrying when a signal interrupts it.</summary>
    /// <exception cref="V4l2DeviceException">the call failed.</exception>
    public void Call<T>(uint request, ref T argument, string what) where T : unmanaged
    {
        int errno = Ioctl(request, ref argument);
        if (errno != 0) throw new V4l2DeviceException(Path, what, errno);
    }

    /// <summary>An ioctl that may fail: 0 or the errno (EINTR retried).</summary>
    public int Ioctl<T>(uint request, ref T argument) where T : unmanaged
    {
        int errno;
        do errno = Node.Ioctl(request, ref argument);
        while (errno == Libc.EIntr);
        return errno;
    }

    /// <summary>An enumeration step: false at its end (EINVAL).</summary>
    private bool TryEnumerate<T>(uint request, ref T argument, string what) where T : unmanaged
    {
        int errno = Ioctl(request, ref argument);
        if (errno == Libc.EInval) return false;
        if (errno != 0) throw new V4l2DeviceException(Path, what, errno);
        return true;
    }

    private static double Seconds(V4l2Fraction f) => f.Denominator == 0 ? 0 : (double)f.Numerator / f.Denominator;

    private static unsafe string Text(byte* bytes, int size)
    {
        var span = new ReadOnlySpan<byte>(bytes, size);
        int end = span.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? span : span[..end]);
    }
}
