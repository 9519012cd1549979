using EdgeRig.Core;
using static EdgeRig.Quality.Tests.Synthetic;

namespace EdgeRig.Quality.Tests;

public sealed class ImuAnalyzerTests
{
    private static readonly StreamDescriptor Sensor = Imu();
    private const double Period = 1 / 400.0;

    private static List<Sample> Record(double seconds, Func<double, int, float, float>? axis = null, Func<double, bool>? withheld = null, StreamDescriptor? d = null)
    {
        var rng = new Random(9);
        return Periodic(d ?? Sensor, seconds, (k, t) =>
            withheld?.Invoke(t) == true ? null : ImuSample(rng, t, axis is null ? null : (i, v) => axis(t, i, v))).ToList();
    }

    [Fact]
    public void Report_NoisyImuAtRest_Passes()
    {
        var report = Run([Sensor], Record(10), 10);

        Assert.Equal(QaVerdict.Pass, report.Verdict);
        Assert.Empty(report.Findings);
        var s = report.Stream("imu0")!;
        Assert.Equal(4000, s.Observed);
        Assert.InRange(s.EffectiveRateHz!.Value, 399.9, 400.1);
    }

    [Fact]
    public void Report_TwoSecondGap_FailsWithTimes()
    {
        var report = Run([Sensor], Record(10, withheld: t => t is >= 4.0 and < 6.0), 10);

        Assert.Equal(QaVerdict.Fail, report.Verdict);
        var gap = Finding(report, "imu0", "gaps");
        Assert.Equal(QaVerdict.Fail, gap.Verdict);
        Covers(gap, 4.0 - Period, 6.0, 2 * Period);
        var gaps = report.Stream("imu0")!.Gaps;
        Assert.Equal(1, gaps.Count);
        Assert.InRange(gaps.LongestSeconds, 2.0, 2.0 + 2 * Period);
    }

    [Fact]
    public void Report_OneLostSampleNow_AndThen_IsNotAGap()
    {
        var report = Run([Sensor], Record(10, withheld: t => Math.Round(t * 400) % 500 == 250), 10);

        Assert.Equal(0, report.Stream("imu0")!.Gaps.Count);
        Assert.Equal(QaVerdict.Pass, Check(report, "imu0", "gaps").Verdict);
    }

    [Fact]
    public void Report_GyroYStuckForTwoSeconds_FailsNamingTheAxis()
    {
        var report = Run([Sensor], Record(10, (t, i, v) => i == 4 && t is >= 3.0 and < 5.0 ? 0.0123f : v), 10);

        var stuck = Finding(report, "imu0", "stuck");
        Assert.Equal(QaVerdict.Fail, stuck.Verdict);
        Assert.Contains("gyro.y", stuck.Message);
        Covers(stuck, 3.0, 5.0, 2 * Period);
        Assert.Equal(["gyro.y"], report.Stream("imu0")!.Imu!.StuckAxes);
    }

    [Fact]
    public void Report_AxisUnchangedForHalfASecond_IsNotStuck()
    {
        var report = Run([Sensor], Record(10, (t, i, v) => i == 0 && t is >= 3.0 and < 3.5 ? 0.01f : v), 10);

        Assert.DoesNotContain(report.Findings, f => f.Check == "stuck");
        Assert.Equal(QaVerdict.Pass, report.Verdict);
    }

    [Fact]
    public void Report_AccelPinnedAtFullScale_FailsSaturationNotStuck()
    {
        // 1.5 s of 10 s past ±16 g (the default full scale without a range parameter), held at one value
        var report = Run([Sensor], Record(10, (t, i, v) => i == 0 && t is >= 5.0 and < 6.5 ? 160f : v), 10);

        var finding = Finding(report, "imu0", "saturation");
        Assert.Equal(QaVerdict.Fail, finding.Verdict);
        Covers(finding, 5.0, 6.5, 2 * Period);
        Assert.DoesNotContain(report.Findings, f => f.Check == "stuck");
    }

    [Theory]
    [InlineData(null, QaVerdict.Pass)]
    [InlineData("4g", QaVerdict.Fail)]
    [InlineData("16g", QaVerdict.Pass)]
    public void Report_FullScaleFromDescriptor_Decides(string? accelRange, QaVerdict expected)
    {
        var d = Imu(parameters: accelRange is null ? null : new() { ["accelRange"] = accelRange, ["gyroRange"] = "500dps" });
        // 39.2 m/s^2 is 4 g: at the ±4 g full scale, far inside ±16 g
        var report = Run([d], Record(10, (t, i, v) => i == 1 && t is >= 2.0 and < 2.5 ? 39.2f + v : v, d: d), 10);

        Assert.Equal(expected, Check(report, "imu0", "saturation").Verdict);
    }
}
