using System.Runtime.InteropServices;

namespace EdgeRig.Imaging;

/// <summary>
/// The TurboJPEG 2.x C API of libjpeg-turbo (Debian libturbojpeg0, "libturbojpeg.so.0"), only the calls EdgeRig uses.
/// `unsigned long` is 64-bit on linux-x64 and linux-arm64 alike (LP64), hence nuint.
/// </summary>
internal static unsafe partial class TurboJpegNative
{
    public const string Library = "libturbojpeg.so.0";

    public const int PixelFormatBgr = 1;   // TJPF_BGR
    public const int PixelFormatGrey = 6;  // TJPF_GRAY
    public const int Subsampling420 = 2;   // TJSAMP_420
    public const int SubsamplingGrey = 3;  // TJSAMP_GRAY
    public const int FlagFastUpsample = 256;
    public const int FlagNoRealloc = 1024;
    public const int FlagFastDct = 2048;
    public const int ErrorFatal = 1;       // TJERR_FATAL (TJERR_WARNING = 0)
    public const int TransformNoOutput = 16;  // TJXOPT_NOOUTPUT
    public const int TransformCopyNone = 64;  // TJXOPT_COPYNONE

    /// <summary>tjregion.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Region
    {
        public int X, Y, Width, Height;
    }

    /// <summary>tjtransform (op 0: TJXOP_NONE).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Transform
    {
        public Region Crop;
        public int Op;
        public int Options;
        public void* Data;
        public delegate* unmanaged[Cdecl]<short*, Region, Region, int, int, Transform*, int> CustomFilter;
    }

    [LibraryImport(Library)] public static partial nint tjInitCompress();
    [LibraryImport(Library)] public static partial nint tjInitDecompress();
    [LibraryImport(Library)] public static partial nint tjInitTransform();
    [LibraryImport(Library)] public static partial int tjDestroy(nint handle);
    [LibraryImport(Library)] public static partial nuint tjBufSize(int width, int height, int subsampling);
    [LibraryImport(Library)] public static partial nint tjGetErrorStr2(nint handle);
    [LibraryImport(Library)] public static partial int tjGetErrorCode(nint handle);

    [LibraryImport(Library)]
    public static partial int tjCompress2(nint handle, byte* source, int width, int pitch, int height, int pixelFormat,
        byte** jpeg, nuint* jpegSize, int subsampling, int quality, int flags);

    [LibraryImport(Library)]
    public static partial int tjCompressFromYUVPlanes(nint handle, byte** planes, int width, int* strides, int height,
        int subsampling, byte** jpeg, nuint* jpegSize, int quality, int flags);

    [LibraryImport(Library)]
    public static partial int tjDecompressHeader3(nint handle, byte* jpeg, nuint jpegSize, out int width, out int height,
        out int subsampling, out int colorspace);

    [LibraryImport(Library)]
    public static partial int tjDecompress2(nint handle, byte* jpeg, nuint jpegSize, byte* destination, int width, int pitch,
        int height, int pixelFormat, int flags);

    [LibraryImport(Library)]
    public static partial int tjTransform(nint handle, byte* jpeg, nuint jpegSize, int count, byte** destinations, nuint* destinationSizes,
        Transform* transforms, int flags);
}
