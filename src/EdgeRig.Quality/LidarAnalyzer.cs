using System.Buffers.Binary;
using EdgeRig.Core;

namespace EdgeRig.Quality;

/// <summary>
/// LIDAR checks per scan (lidar/scan-v1, 13 bytes a point): points per scan, the share of zero ranges (no return:
/// 0, negative or not finite), and blind scans (at least LidarBlindScanRatio zeros, or no points), whose stretches
/// are judged like gaps of their length.
/// </summary>
internal sealed class LidarAnalyzer : SignalAnalyzer
{
    public const int PointSize = 13;

    private readonly RunLog _blind = new(ReportContext.ListedPerCheck);
    private long _scans, _points, _zeroPoints, _minPoints = long.MaxValue, _maxPoints, _blindScans;

    public LidarAnalyzer(StreamDescriptor d, QaProfile p) : base(d, p) { }

    public override bool Observe(ReadOnlySpan<byte> payload, RigTime t)
    {
        int n = payload.Length / PointSize;
        long zeros = 0;
        for (int i = 0; i < n; i++)
        {
            float range = BinaryPrimitives.ReadSingleLittleEndian(payload[(i * PointSize + 4)..]);
            if (!(range > 0) || float.IsInfinity(range)) zeros++;
        }
        _scans++;
        _points += n;
        _zeroPoints += zeros;
        _minPoints = Math.Min(_minPoints, n);
        _maxPoints = Math.Max(_maxPoints, n);
        if (n == 0 || zeros >= Profile.LidarBlindScanRatio * n)
        {
            _blindScans++;
            _blind.Extend(t, t + Period);
        }
        else _blind.Close();
        return payload.Length % PointSize == 0;
    }

    public override StreamQa Report(StreamQa stream, ReportContext ctx)
    {
        var p = Profile;
        double share = _points > 0 ? (double)_zeroPoints / _points : 0;
        var zeroVerdict = Gate.Above(share, p.LidarZeroWarnRatio, p.LidarZeroFailRatio);
        ctx.Check("zero-ranges", zeroVerdict, share, "ratio", p.LidarZeroWarnRatio, p.LidarZeroFailRatio);
        if (zeroVerdict > QaVerdict.Pass)
            ctx.Finding("zero-ranges", zeroVerdict, $"{ctx.Stream}: {ReportContext.Pct(share)} of ranges are zero (no return), {_zeroPoints} of {_points} points");
        var blind = _blind.Summary();
        QaVerdict Judge(Run r) => Gate.Worst(QaVerdict.Warn, Gate.Above(r.Seconds, p.GapWarnSeconds, p.GapFailSeconds));
        double longest = blind.Longest?.Seconds ?? 0;
        ctx.Check("blind", blind.Longest is { } l ? Judge(l) : QaVerdict.Pass, longest, "s", p.GapWarnSeconds, p.GapFailSeconds);
        ctx.RunFindings("blind", blind, Judge,
            r => $"blind for {ReportContext.S(r.Seconds)} s ({r.Count} scans with at least {ReportContext.Pct(p.LidarBlindScanRatio)} zero ranges)", "blind stretches");
        return stream with
        {
            Lidar = new LidarQa(_scans, _scans > 0 ? (double)_points / _scans : 0, _scans > 0 ? _minPoints : 0, _maxPoints,
                _points, _zeroPoints, share, _blindScans, longest),
        };
    }
}
