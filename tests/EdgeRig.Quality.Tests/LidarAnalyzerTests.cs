using EdgeRig.Core;
using static EdgeRig.Quality.Tests.Synthetic;

namespace EdgeRig.Quality.Tests;

public sealed class LidarAnalyzerTests
{
    private static readonly StreamDescriptor Scanner = Lidar();

    private static List<Sample> Record(double seconds, Func<double, double> zeroShare)
    {
        var rng = new Random(11);
        return Periodic(Scanner, seconds, (k, t) => LidarScan(rng, zeroShare: zeroShare(t))).ToList();
    }

    [Fact]
    public void Report_RoomScans_Pass()
    {
        var report = Run([Scanner], Record(10, _ => 0), 10);

        Assert.Equal(QaVerdict.Pass, report.Verdict);
        Assert.Empty(report.Findings);
        var lidar = report.Stream("lidar0")!.Lidar!;
        Assert.Equal((100, 450.0, 450L, 450L), (lidar.Scans, lidar.MeanPoints, lidar.MinPoints, lidar.MaxPoints));
    }

    [Fact]
    public void Report_ScatteredNoReturns_Pass()
    {
        var report = Run([Scanner], Record(10, _ => 0.05), 10);

        Assert.Equal(QaVerdict.Pass, report.Verdict);
        Assert.InRange(report.Stream("lidar0")!.Lidar!.ZeroShare, 0.03, 0.07);
    }

    [Fact]
    public void Report_ThreeSecondsOfZeros_FailsBlindWithTimes()
    {
        var report = Run([Scanner], Record(10, t => t is >= 3.0 and < 6.0 ? 1 : 0), 10);

        var blind = Finding(report, "lidar0", "blind");
        Assert.Equal(QaVerdict.Fail, blind.Verdict);
        Covers(blind, 3.0, 6.0, 0.1);
        Assert.Equal(QaVerdict.Warn, Finding(report, "lidar0", "zero-ranges").Verdict); // 30 % of ranges
        Assert.Equal(30, report.Stream("lidar0")!.Lidar!.BlindScans);
    }

    [Fact]
    public void Report_ZerosEverywhere_FailsZeroRanges()
    {
        var report = Run([Scanner], Record(5, _ => 0.6), 5);

        Assert.Equal(QaVerdict.Fail, Finding(report, "lidar0", "zero-ranges").Verdict);
    }
}
