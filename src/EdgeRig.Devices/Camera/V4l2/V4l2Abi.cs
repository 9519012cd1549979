namespace EdgeRig.Devices.Camera.V4l2;

/// <summary>
/// The V4L2 ioctl numbers and constants the camera driver uses, from linux/videodev2.h and linux/v4l2-controls.h. Ioctl
/// numbers are built as the kernel's _IOR/_IOW/_IOWR do (asm-generic/ioctl.h, the encoding of both x64 and arm64) from the
/// sizes of the structs in V4l2Structs.cs, so a wrong struct size shows up as a wrong ioctl number too.
/// </summary>
public static unsafe class V4l2Abi
{
    private const uint IocWrite = 1, IocRead = 2;

    private static uint Ioc(uint direction, uint number, int size) => (direction << 30) | ((uint)size << 16) | ((uint)'V' << 8) | number;

    public static readonly uint QueryCapability = Ioc(IocRead, 0, sizeof(V4l2Capability));
    public static readonly uint EnumFormat = Ioc(IocRead | IocWrite, 2, sizeof(V4l2FormatDescription));
    public static readonly uint SetFormat = Ioc(IocRead | IocWrite, 5, sizeof(V4l2Format));
    public static readonly uint RequestBuffers = Ioc(IocRead | IocWrite, 8, sizeof(V4l2RequestBuffers));
    public static readonly uint QueryBuffer = Ioc(IocRead | IocWrite, 9, sizeof(V4l2Buffer));
    public static readonly uint QueueBuffer = Ioc(IocRead | IocWrite, 15, sizeof(V4l2Buffer));
    public static readonly uint DequeueBuffer = Ioc(IocRead | IocWrite, 17, sizeof(V4l2Buffer));
    public static readonly uint StreamOn = Ioc(IocWrite, 18, sizeof(int));
    public static readonly uint StreamOff = Ioc(IocWrite, 19, sizeof(int));
    public static readonly uint SetParameters = Ioc(IocRead | IocWrite, 22, sizeof(V4l2StreamParameters));
    public static readonly uint GetControl = Ioc(IocRead | IocWrite, 27, sizeof(V4l2Control));
    public static readonly uint SetControl = Ioc(IocRead | IocWrite, 28, sizeof(V4l2Control));
    public static readonly uint EnumFrameSizes = Ioc(IocRead | IocWrite, 74, sizeof(V4l2FrameSizeEnum));
    public static readonly uint EnumFrameIntervals = Ioc(IocRead | IocWrite, 75, sizeof(V4l2FrameIntervalEnum));

    public const uint CapVideoCapture = 0x00000001, CapStreaming = 0x04000000, CapDeviceCaps = 0x80000000;
    public const uint BufTypeVideoCapture = 1;
    public const uint MemoryMmap = 1;
    public const uint FieldNone = 1;
    /// <summary>v4l2_captureparm.capability: the driver takes a frame interval (V4L2_CAP_TIMEPERFRAME).</summary>
    public const uint CapTimePerFrame = 0x1000;
    public const uint FrameSizeDiscrete = 1, FrameSizeContinuous = 2, FrameSizeStepwise = 3;
    public const uint FrameIntervalDiscrete = 1, FrameIntervalContinuous = 2, FrameIntervalStepwise = 3;
    public const uint QuantizationDefault = 0, QuantizationFullRange = 1, QuantizationLimitedRange = 2;

    public const uint BufFlagError = 0x40;
    public const uint BufFlagTimestampMask = 0xe000, BufFlagTimestampMonotonic = 0x2000, BufFlagTimestampCopy = 0x4000;
    public const uint BufFlagTimestampSourceMask = 0x70000, BufFlagTimestampSourceEof = 0, BufFlagTimestampSourceSoe = 0x10000;

    public const uint CidExposureAuto = 0x009a0901, CidExposureAbsolute = 0x009a0902;
    /// <summary>V4L2_CID_EXPOSURE_AUTO values: manual exposure, and auto exposure with manual iris (what UVC cameras call auto).</summary>
    public const int ExposureManual = 1, ExposureAperturePriority = 3;
    /// <summary>V4L2_CID_EXPOSURE_ABSOLUTE counts in 100 µs units.</summary>
    public const int ExposureAbsoluteUnitMicroseconds = 100;

    /// <summary>A fourcc code as V4L2 packs it (v4l2_fourcc: first character in the low byte).</summary>
    public static uint FourCc(string code) =>
        code.Length == 4 ? code[0] | ((uint)code[1] << 8) | ((uint)code[2] << 16) | ((uint)code[3] << 24)
            : throw new ArgumentException($"a fourcc is four characters, not '{code}'", nameof(code));

    /// <summary>The four characters of a packed fourcc code.</summary>
    public static string FourCcText(uint code) =>
        string.Create(4, code, (span, c) => { for (int i = 0; i < 4; i++) span[i] = (char)((c >> (8 * i)) & 0xFF); });

    public static readonly uint PixelFormatMjpeg = FourCc("MJPG"), PixelFormatYuyv = FourCc("YUYV");
}
