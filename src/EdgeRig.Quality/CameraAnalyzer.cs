using EdgeRig.Core;
using EdgeRig.Imaging;

namespace EdgeRig.Quality;

/// <summary>
/// Camera checks on every frame, decoded in grey at reduced size: libjpeg's DCT scaling (1/2, 1/4, 1/8) skips most
/// of the inverse DCT and all colour work, so the cost is mostly entropy decoding. The reduction is the strongest that
/// leaves the image at least 160 px wide (1/8 for 1280×720 → 160×90); blur (variance of the 4-neighbour Laplacian
/// over the interior pixels) is measured at that size, which only sees strong defocus (on the sim scene at 1/8, a
/// Gaussian blur of σ ≈ 7 px at full size reaches the default threshold of 20).
/// Frozen: the frame's bytes equal the previous frame's, or no pixel of the reduced images differs by more than
/// FrozenMaxPixelDiff (a repeated picture re-encoded). Black frames are not counted as frozen, only as black.
/// </summary>
internal sealed class CameraAnalyzer : SignalAnalyzer
{
    /// <summary>Grey level at or above which a pixel counts as saturated.</summary>
    public const byte SaturatedLevel = 250;

    /// <summary>The reduced image is at least this wide.</summary>
    public const int MinAnalysisWidth = 160;

    private readonly int _scale;
    private readonly JpegCodec _codec = new(); // released by its finalizer: analyzers live for one report
    private string? _decoderUnavailable;
    private readonly RunLog _frozen, _black, _overexposed, _blurred;
    private readonly LogHistogram _blur = new(0.01, 1e6);
    private byte[] _previousPayload = [];
    private int _previousLength = -1;
    private byte[] _previousPixels = [];
    private bool _hasPrevious;
    private FrameStats _previousStats;
    private RigTime _previousTime;
    private int _width, _height;
    private long _frames, _undecodable, _frozenFrames, _blackFrames, _overexposedFrames, _blurredFrames, _sharpnessJudged;
    private double _levelSum, _minLevel = double.MaxValue, _maxLevel, _saturatedSum;

    private readonly record struct FrameStats(double Mean, double StdDev, double SaturatedShare, double Laplacian);

    public CameraAnalyzer(StreamDescriptor d, QaProfile p) : base(d, p)
    {
        int width = (int)Parameter(d, "width", 1280);
        _scale = width >= 8 * MinAnalysisWidth ? 8 : width >= 4 * MinAnalysisWidth ? 4 : width >= 2 * MinAnalysisWidth ? 2 : 1;
        _frozen = new RunLog(ReportContext.ListedPerCheck, minCount: p.FrozenWarnFrames);
        _black = new RunLog(ReportContext.ListedPerCheck, minCount: p.BlackWarnFrames);
        _overexposed = new RunLog(1);
        _blurred = new RunLog(1);
    }

    public override bool Observe(ReadOnlySpan<byte> payload, RigTime t)
    {
        _frames++;
        if (_decoderUnavailable is not null) return true;
        bool sameBytes = _hasPrevious && payload.Length == _previousLength && payload.SequenceEqual(_previousPayload.AsSpan(0, _previousLength));
        int maxDiff = 0;
        FrameStats stats;
        if (sameBytes) stats = _previousStats;
        else if (!TryAnalyseIfDecoderLoads(payload, out stats, out maxDiff))
        {
            if (_decoderUnavailable is not null) return true; // not the frame's fault: its image checks cannot run here
            _undecodable++;
            _hasPrevious = false;
            _previousLength = -1;
            _frozen.Close(); _black.Close(); _overexposed.Close(); _blurred.Close();
            return false;
        }
        bool black = stats.Mean < Profile.BlackMaxLevel && stats.StdDev < Profile.BlackMaxStdDev;
        bool frozen = !black && _hasPrevious && (sameBytes || maxDiff <= Profile.FrozenMaxPixelDiff);
        bool overexposed = stats.SaturatedShare >= Profile.SaturatedWarnRatio;
        var end = t + Period;
        if (frozen)
        {
            _frozenFrames++;
            _frozen.Extend(_previousTime, end, _frozen.IsOpen ? 1 : 2);
        }
        else _frozen.Close();
        Flag(_black, black, t, end, ref _blackFrames);
        Flag(_overexposed, overexposed, t, end, ref _overexposedFrames);
        if (!black && !overexposed)
        {
            _sharpnessJudged++;
            _blur.Add(stats.Laplacian);
            Flag(_blurred, stats.Laplacian < Profile.BlurWarnVariance, t, end, ref _blurredFrames);
        }
        _levelSum += stats.Mean;
        _saturatedSum += stats.SaturatedShare;
        _minLevel = Math.Min(_minLevel, stats.Mean);
        _maxLevel = Math.Max(_maxLevel, stats.Mean);
        if (!sameBytes)
        {
            if (_previousPayload.Length < payload.Length) _previousPayload = new byte[payload.Length + payload.Length / 4];
            payload.CopyTo(_previousPayload);
            _previousLength = payload.Length;
        }
        _previousStats = stats;
        _previousTime = t;
        _hasPrevious = true;
        return true;
    }

    private static void Flag(RunLog log, bool flagged, RigTime t, RigTime end, ref long count)
    {
        if (!flagged)
        {
            log.Close();
            return;
        }
        count++;
        log.Extend(t, end);
    }

    /// <summary>As <see cref="TryAnalyse"/>; when libturbojpeg cannot be loaded, remembers why and stops image checks.</summary>
    private bool TryAnalyseIfDecoderLoads(ReadOnlySpan<byte> payload, out FrameStats stats, out int maxDiff)
    {
        try
        {
            return TryAnalyse(payload, out stats, out maxDiff);
        }
        catch (Exception e) when (NativeLibraries.UnavailableReason(e) is { } missing)
        {
            _decoderUnavailable = missing;
            (stats, maxDiff) = (default, int.MaxValue);
            return false;
        }
    }

    /// <summary>Decodes at reduced size and measures the frame in one pass; keeps its pixels to compare the next frame with.</summary>
    private unsafe bool TryAnalyse(ReadOnlySpan<byte> payload, out FrameStats stats, out int maxDiff)
    {
        stats = default;
        maxDiff = int.MaxValue;
        if (payload.Length < 4 || payload[0] != 0xFF || payload[1] != 0xD8) return false;
        if (_codec.TryDecodeGrey(payload, _scale) is not { Width: >= 3, Height: >= 3 } image) return false;
        int w = image.Width, h = image.Height;
        bool comparable = _hasPrevious && w == _width && h == _height;
        if (_previousPixels.Length != w * h) _previousPixels = new byte[w * h];
        _width = w;
        _height = h;
        long sum = 0, sumSq = 0, saturated = 0;
        double lapSum = 0, lapSumSq = 0;
        int diff = 0;
        fixed (byte* data = image.Pixels)
        fixed (byte* previous = _previousPixels)
        {
            for (int y = 0; y < h; y++)
            {
                byte* row = data + y * w;
                byte* prev = previous + y * w;
                for (int x = 0; x < w; x++)
                {
                    int v = row[x];
                    sum += v;
                    sumSq += v * v;
                    if (v >= SaturatedLevel) saturated++;
                    int d = v - prev[x];
                    if (d < 0) d = -d;
                    if (d > diff) diff = d;
                }
                if (y > 0 && y < h - 1)
                {
                    byte* up = row - w, down = row + w;
                    long rowSum = 0, rowSq = 0;
                    for (int x = 1; x < w - 1; x++)
                    {
                        int lap = up[x] + down[x] + row[x - 1] + row[x + 1] - 4 * row[x];
                        rowSum += lap;
                        rowSq += lap * lap;
                    }
                    lapSum += rowSum;
                    lapSumSq += rowSq;
                }
            }
        }
        image.Pixels.CopyTo(_previousPixels, 0);
        double n = (double)w * h, interior = (double)(w - 2) * (h - 2);
        double mean = sum / n, lapMean = lapSum / interior;
        stats = new FrameStats(mean, Math.Sqrt(Math.Max(0, sumSq / n - mean * mean)), saturated / n, Math.Max(0, lapSumSq / interior - lapMean * lapMean));
        maxDiff = comparable ? diff : int.MaxValue;
        return true;
    }

    public override StreamQa Report(StreamQa stream, ReportContext ctx)
    {
        var p = Profile;
        if (_decoderUnavailable is not null)
            ctx.Finding("image", QaVerdict.Warn, $"{ctx.Stream}: image checks (frozen, black, exposure, blur) not run: {_decoderUnavailable}");
        var frozen = _frozen.Summary();
        ctx.Check("frozen", Gate.AtLeast(frozen.Longest?.Count ?? 0, p.FrozenWarnFrames, p.FrozenFailFrames), frozen.Longest?.Count ?? 0, "frames", p.FrozenWarnFrames, p.FrozenFailFrames);
        ctx.RunFindings("frozen", frozen, r => Gate.AtLeast(r.Count, p.FrozenWarnFrames, p.FrozenFailFrames),
            r => $"frozen for {ReportContext.S(r.Seconds)} s ({r.Count} identical frames)", "frozen stretches");
        var black = _black.Summary();
        ctx.Check("black", Gate.AtLeast(black.Longest?.Count ?? 0, p.BlackWarnFrames, p.BlackFailFrames), black.Longest?.Count ?? 0, "frames", p.BlackWarnFrames, p.BlackFailFrames);
        ctx.RunFindings("black", black, r => Gate.AtLeast(r.Count, p.BlackWarnFrames, p.BlackFailFrames),
            r => $"black for {ReportContext.S(r.Seconds)} s ({r.Count} frames with mean level under {ReportContext.N(p.BlackMaxLevel)})", "black stretches");
        ShareCheck(ctx, "overexposed", "over-exposed", _overexposedFrames, _frames, p.OverexposedFramesWarnRatio, _overexposed,
            $"at least {ReportContext.Pct(p.SaturatedWarnRatio)} of pixels at level {SaturatedLevel} or more");
        ShareCheck(ctx, "blur", "blurred", _blurredFrames, _sharpnessJudged, p.BlurredFramesWarnRatio, _blurred,
            $"Laplacian variance under {ReportContext.N(p.BlurWarnVariance)} at 1/{_scale} scale; median {ReportContext.N(_blur.Percentile(0.5) ?? 0, "0.#")}");
        return stream with
        {
            Camera = new CameraQa(_frames, _undecodable, _scale, _width, _height,
                _frames > _undecodable ? _levelSum / (_frames - _undecodable) : 0, _minLevel == double.MaxValue ? 0 : _minLevel, _maxLevel,
                _frames > _undecodable ? _saturatedSum / (_frames - _undecodable) : 0, _overexposedFrames,
                _blur.Percentile(0.5), _blurredFrames, _frozenFrames, frozen.Longest?.Count ?? 0, _blackFrames, black.Longest?.Count ?? 0),
        };
    }

    /// <summary>A share-of-frames gate (warn only), with one finding naming the longest stretch.</summary>
    private void ShareCheck(ReportContext ctx, string check, string adjective, long flagged, long of, double warnAt, RunLog runs, string what)
    {
        double share = of > 0 ? (double)flagged / of : 0;
        var verdict = flagged > 0 && share > warnAt ? QaVerdict.Warn : QaVerdict.Pass;
        ctx.Check(check, verdict, share, "ratio", warnAt, null);
        if (verdict == QaVerdict.Pass) return;
        var longest = runs.Summary().Longest;
        string where = longest is { } r ? $"; the longest stretch {ctx.Span(r.From, r.To)} ({r.Count} frames)" : "";
        ctx.Finding(check, verdict, $"{ctx.Stream} {adjective} in {ReportContext.Pct(share)} of frames ({flagged} of {of}: {what}){where}", longest?.From, longest?.To);
    }
}
