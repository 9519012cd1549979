namespace EdgeRig.Imaging;

/// <summary>
/// Converts a packed YUYV 4:2:2 frame (V4L2_PIX_FMT_YUYV: Y0 U Y1 V per pixel pair, what UVC cameras send uncompressed)
/// into I420 planes for <see cref="JpegCodec.Encode(I420Image, int)"/>: luma copied, the chroma of each two rows averaged
/// into one. Limited-range input (Y 16-235, Cb/Cr 16-240, V4L2's default for YUV) is stretched to JPEG's full range.
/// </summary>
public static class YuyvToI420
{
    private static readonly byte[] LumaToFull = Table(16, 219), ChromaToFull = Table(16, 224, centred: true);

    /// <summary>Fills <paramref name="destination"/> (its size is the frame's) from <paramref name="yuyv"/>.</summary>
    /// <exception cref="ArgumentException">the buffer is shorter than the frame or a row is shorter than width × 2.</exception>
    public static void Convert(ReadOnlySpan<byte> yuyv, int bytesPerLine, I420Image destination, bool limitedRange)
    {
        int w = destination.Width, h = destination.Height;
        if (bytesPerLine < 2 * w) throw new ArgumentException($"a YUYV row of {w} pixels needs {2 * w} bytes, the line is {bytesPerLine}", nameof(bytesPerLine));
        if (yuyv.Length < bytesPerLine * (h - 1) + 2 * w)
            throw new ArgumentException($"a {w}x{h} YUYV frame needs {bytesPerLine * (h - 1) + 2 * w} bytes, got {yuyv.Length}", nameof(yuyv));
        byte[] luma = limitedRange ? LumaToFull : Identity, chroma = limitedRange ? ChromaToFull : Identity;
        int cw = destination.ChromaWidth;
        for (int y = 0; y < h; y += 2)
        {
            var top = yuyv.Slice(y * bytesPerLine, 2 * w);
            var bottom = yuyv.Slice((y + 1) * bytesPerLine, 2 * w);
            var yTop = destination.Y.AsSpan(y * w, w);
            var yBottom = destination.Y.AsSpan((y + 1) * w, w);
            var u = destination.U.AsSpan(y / 2 * cw, cw);
            var v = destination.V.AsSpan(y / 2 * cw, cw);
            for (int x = 0; x < cw; x++)
            {
                int i = 4 * x;
                yTop[2 * x] = luma[top[i]];
                yTop[2 * x + 1] = luma[top[i + 2]];
                yBottom[2 * x] = luma[bottom[i]];
                yBottom[2 * x + 1] = luma[bottom[i + 2]];
                u[x] = chroma[(top[i + 1] + bottom[i + 1] + 1) >> 1];
                v[x] = chroma[(top[i + 3] + bottom[i + 3] + 1) >> 1];
            }
        }
    }

    private static readonly byte[] Identity = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();

    /// <summary>Maps [low, low + span] onto [0, 255] (chroma: about 128), clamping outside it.</summary>
    private static byte[] Table(int low, int span, bool centred = false) =>
        Enumerable.Range(0, 256).Select(i => YuvColor.Clamp(centred ? 128 + (i - 128) * 255.0 / span : (i - low) * 255.0 / span)).ToArray();
}
