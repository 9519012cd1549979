using System.Runtime.InteropServices;

namespace EdgeRig.Imaging;

/// <summary>
/// JPEG decode and encode through libjpeg-turbo's TurboJPEG API: scaled decodes (1/2, 1/4, 1/8 straight from the DCT, the
/// cheap path for analysis and thumbnails) and encodes from BGR or from I420 planes (no colour conversion). One instance owns
/// its native handles and is not thread-safe: give each thread or consumer its own.
/// </summary>
public sealed unsafe class JpegCodec(bool accurate = false) : IDisposable
{
    /// <summary>Fast (the default): libjpeg-turbo's fast integer DCT and fast chroma upsampling, right for analysis, thumbnails
    /// and synthetic frames. Accurate: the exact DCT and smooth upsampling, for frames that are decoded and re-encoded as data
    /// (redaction), where each pass would otherwise add visible error.</summary>
    private readonly int _flags = accurate ? 0 : TurboJpegNative.FlagFastDct | TurboJpegNative.FlagFastUpsample;

    private nint _compressor, _decompressor;
    private readonly NativeBuffer _encodeBuffer = new();

    /// <summary>Whether libturbojpeg can be loaded, and if not, why (for doctor and status).</summary>
    public static EdgeRig.Core.NativeLibraryState Probe() =>
        EdgeRig.Core.NativeLibraryState.Probe(EdgeRig.Core.NativeLibraries.TurboJpeg, typeof(JpegCodec).Assembly);

    /// <summary>Reads the frame size from the JPEG header; false when the bytes are not a JPEG it can parse.</summary>
    public bool TryReadSize(ReadOnlySpan<byte> jpeg, out int width, out int height)
    {
        width = height = 0;
        if (jpeg.Length < 4) return false;
        fixed (byte* source = jpeg)
        {
            if (TurboJpegNative.tjDecompressHeader3(Decompressor, source, (nuint)jpeg.Length, out width, out height, out _, out _) == 0
                && width > 0 && height > 0) return true;
        }
        ResetDecompressor();
        return false;
    }

    /// <summary>The decoded size at 1/<paramref name="scale"/> (rounded up, as the decoder does).</summary>
    public static (int Width, int Height) Scaled(int width, int height, int scale) => ((width + scale - 1) / scale, (height + scale - 1) / scale);

    /// <summary>Decodes to grey at 1/scale (1, 2, 4 or 8). Null when the bytes are not a decodable JPEG; a recoverable
    /// warning (a truncated or slightly damaged frame) still yields the image, as a viewer would show it.</summary>
    public GreyImage? TryDecodeGrey(ReadOnlySpan<byte> jpeg, int scale = 1)
    {
        if (!TryScaledSize(jpeg, scale, out int w, out int h)) return null;
        var image = new GreyImage(w, h);
        return Decode(jpeg, image.Pixels, w, w, h, TurboJpegNative.PixelFormatGrey) ? image : null;
    }

    /// <summary>Decodes to grey at <paramref name="eighths"/>/8 of the size (1..8: every scaling libjpeg's DCT offers below
    /// full size, e.g. 5 for 0.625); null when not decodable.</summary>
    public GreyImage? TryDecodeGreyEighths(ReadOnlySpan<byte> jpeg, int eighths)
    {
        if (eighths is < 1 or > 8) throw new ArgumentOutOfRangeException(nameof(eighths), eighths, "eighths must be 1..8");
        if (!TryReadSize(jpeg, out int w, out int h)) return null;
        var image = new GreyImage((w * eighths + 7) / 8, (h * eighths + 7) / 8);
        return Decode(jpeg, image.Pixels, image.Width, image.Width, image.Height, TurboJpegNative.PixelFormatGrey) ? image : null;
    }

    /// <summary>Decodes to BGR at 1/scale; null when not decodable.</summary>
    public BgrImage? TryDecodeBgr(ReadOnlySpan<byte> jpeg, int scale = 1)
    {
        if (!TryScaledSize(jpeg, scale, out int w, out int h)) return null;
        var image = new BgrImage(w, h);
        return Decode(jpeg, image.Pixels, w, w * 3, h, TurboJpegNative.PixelFormatBgr) ? image : null;
    }

    /// <summary>Encodes a BGR image (4:2:0 chroma, the MJPEG cameras' layout).</summary>
    public byte[] Encode(BgrImage image, int quality)
    {
        ValidateQuality(quality);
        byte* jpeg = EncodeBuffer(image.Width, image.Height);
        nuint size = _encodeBuffer.Capacity;
        fixed (byte* source = image.Pixels)
        {
            Check(TurboJpegNative.tjCompress2(Compressor, source, image.Width, image.Stride, image.Height, TurboJpegNative.PixelFormatBgr,
                &jpeg, &size, TurboJpegNative.Subsampling420, quality, TurboJpegNative.FlagNoRealloc | (_flags & TurboJpegNative.FlagFastDct)), Compressor, "encode");
            return new ReadOnlySpan<byte>(jpeg, (int)size).ToArray();
        }
    }

    /// <summary>Encodes I420 planes as they are (no colour conversion or chroma resampling): the cheapest encode.</summary>
    public byte[] Encode(I420Image image, int quality)
    {
        ValidateQuality(quality);
        byte* jpeg = EncodeBuffer(image.Width, image.Height);
        nuint size = _encodeBuffer.Capacity;
        fixed (byte* y = image.Y)
        fixed (byte* u = image.U)
        fixed (byte* v = image.V)
        {
            byte** planes = stackalloc byte*[3] { y, u, v };
            int* strides = stackalloc int[3] { image.Width, image.ChromaWidth, image.ChromaWidth };
            Check(TurboJpegNative.tjCompressFromYUVPlanes(Compressor, planes, image.Width, strides, image.Height, TurboJpegNative.Subsampling420,
                &jpeg, &size, quality, TurboJpegNative.FlagNoRealloc | (_flags & TurboJpegNative.FlagFastDct)), Compressor, "encode");
            return new ReadOnlySpan<byte>(jpeg, (int)size).ToArray();
        }
    }

    private bool TryScaledSize(ReadOnlySpan<byte> jpeg, int scale, out int width, out int height)
    {
        if (scale is not (1 or 2 or 4 or 8)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale must be 1, 2, 4 or 8");
        width = height = 0;
        if (!TryReadSize(jpeg, out int w, out int h)) return false;
        (width, height) = Scaled(w, h, scale);
        return true;
    }

    private bool Decode(ReadOnlySpan<byte> jpeg, byte[] pixels, int width, int pitch, int height, int format)
    {
        fixed (byte* source = jpeg)
        fixed (byte* destination = pixels)
        {
            int rc = TurboJpegNative.tjDecompress2(Decompressor, source, (nuint)jpeg.Length, destination, width, pitch, height, format, _flags);
            if (rc == 0) return true;
            bool usable = TurboJpegNative.tjGetErrorCode(Decompressor) != TurboJpegNative.ErrorFatal;
            ResetDecompressor();
            return usable;
        }
    }

    /// <summary>After a failed call libjpeg can leave the handle mid-state ("improper call in state …"), failing every later
    /// frame: a damaged frame must cost only itself, so start the next one on a fresh handle.</summary>
    private void ResetDecompressor()
    {
        if (_decompressor == 0) return;
        TurboJpegNative.tjDestroy(_decompressor);
        _decompressor = 0;
    }

    private byte* EncodeBuffer(int width, int height)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (width <= 0 || height <= 0) throw new ArgumentException($"image size {width}x{height} is empty");
        int needed = checked((int)TurboJpegNative.tjBufSize(width, height, TurboJpegNative.Subsampling420));
        return _encodeBuffer.Get((nuint)needed);
    }

    private static void ValidateQuality(int quality)
    {
        if (quality is < 1 or > 100) throw new ArgumentOutOfRangeException(nameof(quality), quality, "JPEG quality must be 1..100");
    }

    private nint Compressor => _compressor != 0 ? _compressor : _compressor = Handle(TurboJpegNative.tjInitCompress());

    private nint Decompressor => _decompressor != 0 ? _decompressor : _decompressor = Handle(TurboJpegNative.tjInitDecompress());

    private nint Handle(nint handle)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (handle == 0) throw new InvalidOperationException("libturbojpeg could not create a handle: " + ErrorText(0));
        return handle;
    }

    private static void Check(int rc, nint handle, string what)
    {
        if (rc != 0) throw new InvalidOperationException($"libturbojpeg {what} failed: {ErrorText(handle)}");
    }

    private static string ErrorText(nint handle) => Marshal.PtrToStringUTF8(TurboJpegNative.tjGetErrorStr2(handle)) ?? "unknown error";

    private bool _disposed;

    ~JpegCodec() => Release();

    public void Dispose()
    {
        Release();
        GC.SuppressFinalize(this);
    }

    private void Release()
    {
        if (_disposed) return;
        _disposed = true;
        if (_compressor != 0) TurboJpegNative.tjDestroy(_compressor);
        if (_decompressor != 0) TurboJpegNative.tjDestroy(_decompressor);
        _compressor = _decompressor = 0;
        _encodeBuffer.Dispose();
    }
}
