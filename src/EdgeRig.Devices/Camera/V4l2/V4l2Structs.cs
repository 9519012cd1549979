using System.Runtime.InteropServices;
using EdgeRig.Core;

namespace EdgeRig.Devices.Camera.V4l2;

// The V4L2 uAPI structs (linux/videodev2.h) the camera driver passes to ioctl, laid out for LP64 Linux (x64 and arm64
// alike): only fixed-size fields, no nint, so the layout is the same in every 64-bit process. Unions are explicit layouts.
// V4l2AbiTests compiles a C program against the kernel header and compares every size, offset and ioctl number.

/// <summary>struct v4l2_capability (VIDIOC_QUERYCAP): the driver, card and bus names and what the device can do.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct V4l2Capability
{
    public fixed byte Driver[16];
    public fixed byte Card[32];
    public fixed byte BusInfo[32];
    public uint Version;
    public uint Capabilities;
    public uint DeviceCaps;
    public fixed uint Reserved[3];
}

/// <summary>struct v4l2_fmtdesc (VIDIOC_ENUM_FMT): one pixel format the device offers.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct V4l2FormatDescription
{
    public uint Index;
    public uint Type;
    public uint Flags;
    public fixed byte Description[32];
    public uint PixelFormat;
    public uint MediaBusCode;
    public fixed uint Reserved[3];
}

/// <summary>struct v4l2_frmsize_stepwise; a discrete size uses the first two fields as width and height.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct V4l2FrameSizeStepwise
{
    public uint MinWidth, MaxWidth, StepWidth, MinHeight, MaxHeight, StepHeight;
}

/// <summary>struct v4l2_frmsizeenum (VIDIOC_ENUM_FRAMESIZES): one frame size, or a range, of a pixel format.</summary>
[StructLayout(LayoutKind.Explicit, Size = 44)]
public struct V4l2FrameSizeEnum
{
    [FieldOffset(0)] public uint Index;
    [FieldOffset(4)] public uint PixelFormat;
    [FieldOffset(8)] public uint Type;
    [FieldOffset(12)] public uint DiscreteWidth;
    [FieldOffset(16)] public uint DiscreteHeight;
    [FieldOffset(12)] public V4l2FrameSizeStepwise Stepwise;
}

/// <summary>struct v4l2_fract: a frame interval in seconds.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct V4l2Fraction
{
    public uint Numerator;
    public uint Denominator;
}

/// <summary>struct v4l2_frmivalenum (VIDIOC_ENUM_FRAMEINTERVALS): one frame interval, or a range, of a format and size.</summary>
[StructLayout(LayoutKind.Explicit, Size = 52)]
public struct V4l2FrameIntervalEnum
{
    [FieldOffset(0)] public uint Index;
    [FieldOffset(4)] public uint PixelFormat;
    [FieldOffset(8)] public uint Width;
    [FieldOffset(12)] public uint Height;
    [FieldOffset(16)] public uint Type;
    [FieldOffset(20)] public V4l2Fraction Discrete;
    [FieldOffset(20)] public V4l2Fraction StepwiseMin;
    [FieldOffset(28)] public V4l2Fraction StepwiseMax;
    [FieldOffset(36)] public V4l2Fraction StepwiseStep;
}

/// <summary>struct v4l2_pix_format: a single-planar image format.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct V4l2PixFormat
{
    public uint Width;
    public uint Height;
    public uint PixelFormat;
    public uint Field;
    public uint BytesPerLine;
    public uint SizeImage;
    public uint Colorspace;
    public uint Private;
    public uint Flags;
    public uint YCbCrEncoding;
    public uint Quantization;
    public uint TransferFunction;
}

/// <summary>struct v4l2_format (VIDIOC_S_FMT): the union holds pointers (struct v4l2_window), so it starts 8-aligned at 8.</summary>
[StructLayout(LayoutKind.Explicit, Size = 208)]
public struct V4l2Format
{
    [FieldOffset(0)] public uint Type;
    [FieldOffset(8)] public V4l2PixFormat Pix;
}

/// <summary>struct v4l2_captureparm: the capture part of VIDIOC_S_PARM, with the frame interval.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct V4l2CaptureParameters
{
    public uint Capability;
    public uint CaptureMode;
    public V4l2Fraction TimePerFrame;
    public uint ExtendedMode;
    public uint ReadBuffers;
    public fixed uint Reserved[4];
}

/// <summary>struct v4l2_streamparm (VIDIOC_S_PARM): its union is 200 bytes of 4-aligned members.</summary>
[StructLayout(LayoutKind.Explicit, Size = 204)]
public struct V4l2StreamParameters
{
    [FieldOffset(0)] public uint Type;
    [FieldOffset(4)] public V4l2CaptureParameters Capture;
}

/// <summary>struct v4l2_requestbuffers (VIDIOC_REQBUFS).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct V4l2RequestBuffers
{
    public uint Count;
    public uint Type;
    public uint Memory;
    public uint Capabilities;
    public byte Flags;
    public fixed byte Reserved[3];
}

/// <summary>struct v4l2_timecode, inside struct v4l2_buffer.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct V4l2Timecode
{
    public uint Type;
    public uint Flags;
    public byte Frames, Seconds, Minutes, Hours;
    public fixed byte UserBits[4];
}

/// <summary>
/// struct v4l2_buffer (QUERYBUF, QBUF, DQBUF): a struct timeval (two longs, so 8-aligned at 24) carries the kernel's buffer
/// time, <see cref="Sequence"/> the frame count. The union m (offset, userptr, planes pointer, fd) is 8 bytes at 64; for
/// MMAP buffers its low 32 bits are the mmap offset (both targets are little-endian).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct V4l2Buffer
{
    public uint Index;
    public uint Type;
    public uint BytesUsed;
    public uint Flags;
    public uint Field;
    public Libc.TimeVal Timestamp;
    public V4l2Timecode Timecode;
    public uint Sequence;
    public uint Memory;
    public ulong M;
    public uint Length;
    public uint Reserved2;
    public int RequestFd;

    /// <summary>The mmap offset of an MMAP buffer (union m's offset member).</summary>
    public readonly uint Offset => (uint)M;
}

/// <summary>struct v4l2_control (VIDIOC_G_CTRL, VIDIOC_S_CTRL).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct V4l2Control
{
    public uint Id;
    public int Value;
}
