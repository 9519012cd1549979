using EdgeRig.Imaging;

namespace EdgeRig.Calibration.Stimulus;

/// <summary>
/// How much a flash brightened a frame, in grey levels: the trimmed mean (middle half) of the frame minus a per-pixel
/// median baseline, over pixels dark and static in the baseline, so that neither saturation nor scene motion bends it.
/// Frames are decoded at a quarter of their size (JPEG DCT scaling), which is fast and averages noise.
/// </summary>
public sealed class FlashResponse
{
    private readonly byte[] _baseline;
    private readonly int[] _mask;

    private FlashResponse(byte[] baseline, int[] mask) => (_baseline, _mask) = (baseline, mask);

    /// <summary>Pixels (per channel) darker than this in the baseline are measured: a flash may add up to 255 minus this.</summary>
    public const int DarkLevel = 50;

    /// <summary>A response measurer from unlit frames, or null when they leave fewer than 100 usable pixels.</summary>
    public static FlashResponse? FromBaseline(IReadOnlyList<byte[]> frames)
    {
        if (frames.Count < 3 || frames.Any(f => f.Length != frames[0].Length)) return null;
        int n = frames[0].Length;
        var baseline = new byte[n];
        var mask = new List<int>();
        var column = new byte[frames.Count];
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < column.Length; k++) column[k] = frames[k][i];
            Array.Sort(column);
            baseline[i] = column[column.Length / 2];
            if (column[^1] < DarkLevel && column[^1] - column[0] < 20) mask.Add(i);
        }
        return mask.Count < 100 ? null : new FlashResponse(baseline, [.. mask]);
    }

    public int PixelCount => _mask.Length;

    public double Measure(byte[] frame)
    {
        if (frame.Length != _baseline.Length) return double.NaN;
        var deltas = new int[_mask.Length];
        for (int k = 0; k < _mask.Length; k++) deltas[k] = frame[_mask[k]] - _baseline[_mask[k]];
        Array.Sort(deltas);
        int from = deltas.Length / 4, to = deltas.Length - deltas.Length / 4;
        double sum = 0;
        for (int k = from; k < to; k++) sum += deltas[k];
        return sum / (to - from);
    }

    [ThreadStatic] private static JpegCodec? t_codec;

    /// <summary>Decodes a JPEG at a quarter of its size (libjpeg-turbo's DCT scaling) into its interleaved BGR pixels, or null
    /// if it does not decode.</summary>
    public static byte[]? DecodeQuarter(ReadOnlyMemory<byte> jpeg) => (t_codec ??= new JpegCodec()).TryDecodeBgr(jpeg.Span, 4)?.Pixels;
}
