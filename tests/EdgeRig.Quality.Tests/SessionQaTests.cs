using EdgeRig.Core;
using static EdgeRig.Quality.Tests.Synthetic;

namespace EdgeRig.Quality.Tests;

public sealed class SessionQaTests
{
    private static readonly StreamDescriptor Sensor = Imu();
    private const double ImuPeriod = 1 / 400.0;

    private static List<Sample> ImuRecording(double seconds)
    {
        var rng = new Random(3);
        return Periodic(Sensor, seconds, (k, t) => ImuSample(rng, t)).ToList();
    }

    [Fact]
    public void Report_RepeatedSequenceNumber_FailsAtItsTime()
    {
        var samples = ImuRecording(5);
        samples[1001] = samples[1001] with { Sequence = samples[1000].Sequence };

        var report = Run([Sensor], samples, 5);

        var finding = Finding(report, "imu0", "sequence");
        Assert.Equal(QaVerdict.Fail, finding.Verdict);
        Assert.InRange(SecondsOf(finding.From), 1001 * ImuPeriod - 1e-6, 1001 * ImuPeriod + 1e-6);
        Assert.Equal(1, report.Stream("imu0")!.SequenceViolations);
    }

    [Fact]
    public void Report_SwappedSamples_FailTimestampsAtTheirTime()
    {
        var samples = ImuRecording(5);
        (samples[1500], samples[1501]) = (samples[1501] with { Sequence = 1500 }, samples[1500] with { Sequence = 1501 });

        var report = Run([Sensor], samples, 5);

        var finding = Finding(report, "imu0", "timestamps");
        Assert.Equal(QaVerdict.Fail, finding.Verdict); // a whole period back
        Assert.InRange(SecondsOf(finding.From), 1500 * ImuPeriod - 1e-6, 1500 * ImuPeriod + 1e-6);
        Assert.Equal(1, report.Stream("imu0")!.TimestampViolations);
        Assert.DoesNotContain(report.Findings, f => f.Check == "sequence");
    }

    [Fact]
    public void Report_StampWobblingBackByMicroseconds_OnlyWarns()
    {
        var samples = ImuRecording(5);
        samples[1800] = samples[1800] with { Rig = new RigTimestamp(samples[1799].Rig.Time - Duration.FromMicroseconds(100), samples[1800].Rig.ErrorBound) };

        var report = Run([Sensor], samples, 5);

        Assert.Equal(QaVerdict.Warn, Finding(report, "imu0", "timestamps").Verdict);
    }

    [Fact]
    public void Report_CameraAt25Of30Hz_FailsRate()
    {
        var cam = Camera(rateHz: 30);
        using var scene = new CameraScene(320, 240);
        var samples = Enumerable.Range(0, 75).Select(k => Stamp(cam, k, k / 25.0, scene.Jpeg(k / 25.0))).ToList();

        var report = Run([cam], samples, 3);

        var rate = Finding(report, "cam0", "rate");
        Assert.Equal(QaVerdict.Fail, rate.Verdict);
        Assert.InRange(report.Stream("cam0")!.EffectiveRateHz!.Value, 24.99, 25.01);
    }

    [Theory]
    [InlineData(0, QaVerdict.Pass)]
    [InlineData(5, QaVerdict.Warn)]
    [InlineData(50, QaVerdict.Fail)]
    public void Report_DroppedShareOfProduced_IsGated(long dropped, QaVerdict expected)
    {
        var samples = ImuRecording(5);
        var counts = new Dictionary<string, StreamCounts> { ["imu0"] = new(samples.Count + dropped, samples.Count, dropped, 0) };

        var report = Run([Sensor], samples, 5, counts: counts);

        Assert.Equal(expected, Check(report, "imu0", "drops").Verdict);
        Assert.Equal(dropped, report.Stream("imu0")!.Dropped);
    }

    [Theory]
    [InlineData(0.5, 1, QaVerdict.Pass)]
    [InlineData(0.5, 8, QaVerdict.Warn)]
    [InlineData(0.5, 50, QaVerdict.Warn)]  // a settling start: a few samples with the 50 ms bound
    [InlineData(30, 50, QaVerdict.Fail)]   // most samples timed worse than 20 ms
    public void Report_SyncBound_P99WarnsMedianFails(double p50Ms, double p99Ms, QaVerdict expected)
    {
        var sync = new Dictionary<string, BoundStats> { ["imu0"] = new(2000, Duration.FromMilliseconds(p50Ms), Duration.FromMilliseconds(p99Ms), Duration.FromMilliseconds(p99Ms * 2)) };

        var report = Run([Sensor], ImuRecording(5), 5, sync: sync);

        Assert.Equal(expected, Check(report, "imu0", "sync").Verdict);
        Assert.Equal(p99Ms, report.Stream("imu0")!.Sync!.P99Ms, 6);
    }

    [Fact]
    public void Report_OldCalibration_Warns_AndNoneIsReportedNotFailed()
    {
        var samples = ImuRecording(2);
        var old = new CalibrationInfo("lab@3", Start.ToDateTimeOffset().AddDays(-120));
        var fresh = new CalibrationInfo("lab@4", Start.ToDateTimeOffset().AddDays(-3));

        var withOld = Run([Sensor], samples, 2, calibration: old);
        var withFresh = Run([Sensor], samples, 2, calibration: fresh);
        var without = Run([Sensor], samples, 2);

        Assert.Equal(QaVerdict.Warn, withOld.Verdict);
        var finding = Finding(withOld, QaReport.SessionWide, "calibration");
        Assert.Contains("lab@3", finding.Message);
        Assert.InRange(withOld.CalibrationAgeDays!.Value, 119.9, 120.1);
        Assert.Equal(QaVerdict.Pass, withFresh.Verdict);
        Assert.Equal(("none", QaVerdict.Pass), (without.Calibration, without.Verdict));
        Assert.Null(without.CalibrationAgeDays);
    }

    [Fact]
    public void Report_LiveInTheFirstHalfSecond_DoesNotJudgeRate()
    {
        var qa = new SessionQa([Sensor, Camera()], new QaProfile(), Start);
        foreach (var s in ImuRecording(0.5)) qa.Observe(s);

        var live = qa.Report(At(0.5), new Dictionary<string, StreamCounts>(), new Dictionary<string, BoundStats>(), null, final: false);

        Assert.False(live.Final);
        Assert.Equal(QaVerdict.Pass, live.Verdict); // the camera has not delivered yet either: not judged so early
        Assert.Null(Check(live, "imu0", "rate").Value);
        Assert.Null(live.Stream("imu0")!.EffectiveRateHz);
    }

    [Fact]
    public void Report_LiveBeforeTheEnd_SeesFaultsSoFar_AndTheFinalSeesAll()
    {
        var rng = new Random(1);
        var samples = Periodic(Sensor, 10, (k, t) => t is >= 6.0 and < 8.0 ? null : ImuSample(rng, t)).ToList();
        var qa = new SessionQa([Sensor], new QaProfile(), Start);
        var none = new Dictionary<string, StreamCounts>();
        var noSync = new Dictionary<string, BoundStats>();

        foreach (var s in samples.Where(s => s.Rig.Time < At(5))) qa.Observe(s);
        var live = qa.Report(At(5), none, noSync, null, final: false);
        foreach (var s in samples.Where(s => s.Rig.Time >= At(5))) qa.Observe(s);
        var final = qa.Report(At(10), none, noSync, null, final: true);

        Assert.Equal(QaVerdict.Pass, live.Verdict);
        Assert.InRange(live.Stream("imu0")!.Observed, 1990, 2000);
        Assert.Equal(QaVerdict.Fail, final.Verdict);
        Covers(Finding(final, "imu0", "gaps"), 6.0 - ImuPeriod, 8.0, 2 * ImuPeriod);
    }

    [Fact]
    public void Report_StreamThatStoppedDelivering_FailsStallWhileLive()
    {
        var samples = ImuRecording(2);
        var qa = new SessionQa([Sensor], new QaProfile(), Start);
        foreach (var s in samples) qa.Observe(s);

        var live = qa.Report(At(6), new Dictionary<string, StreamCounts>(), new Dictionary<string, BoundStats>(), null, final: false);

        var stall = Finding(live, "imu0", "stall");
        Assert.Equal(QaVerdict.Fail, stall.Verdict);
        Covers(stall, 2.0 - ImuPeriod, 6.0, 2 * ImuPeriod);
    }

    [Fact]
    public void Report_NoSamples_WarnsLiveAfterAWhile_AndFailsFinal()
    {
        var qa = new SessionQa([Sensor], new QaProfile(), Start);
        var none = new Dictionary<string, StreamCounts>();
        var noSync = new Dictionary<string, BoundStats>();

        Assert.Equal(QaVerdict.Pass, qa.Report(At(1), none, noSync, null, false).Verdict);
        Assert.Equal(QaVerdict.Warn, qa.Report(At(5), none, noSync, null, false).Verdict);
        Assert.Equal(QaVerdict.Fail, Finding(qa.Report(At(5), none, noSync, null, true), "imu0", "samples").Verdict);
    }

    [Fact]
    public void Report_MarkerButtonPressedNowAndThen_IsNotJudgedForRateOrGaps()
    {
        var button = Button();
        var presses = new[] { 0.7, 4.2, 9.9 }.Select((t, k) => Stamp(button, k, t, [17, 1])).ToList();

        var report = Run([button, Sensor], presses.Concat(ImuRecording(10)).OrderBy(s => s.Rig.Time), 10);

        Assert.Equal(QaVerdict.Pass, report.Verdict);
        var s = report.Stream("button0")!;
        Assert.Equal(3, s.Observed);
        Assert.DoesNotContain(s.Checks, c => c.Check is "rate" or "gaps" or "stall");
    }

    [Fact]
    public void Observe_SampleOfAnotherStream_IsIgnored()
    {
        var other = Imu("imu9");
        var rng = new Random(2);
        var report = Run([Sensor], ImuRecording(2).Concat(Periodic(other, 2, (k, t) => ImuSample(rng, t))), 2);

        Assert.Single(report.Streams);
        Assert.Equal(800, report.Stream("imu0")!.Observed);
    }

    [Fact]
    public void Report_Findings_ComeWorstFirst()
    {
        var mic = Microphone();
        var rng = new Random(1);
        var audio = Periodic(mic, 10, (k, t) => AudioBlock(k * 480, amplitude: t is >= 2 and < 6 ? 0 : 900, noise: 0)).ToList();
        var imu = Periodic(Sensor, 10, (k, t) => t is >= 4.0 and < 6.0 ? null : ImuSample(rng, t)).ToList();

        var report = Run([mic, Sensor], audio.Concat(imu).OrderBy(s => s.Rig.Time), 10);

        Assert.Equal(QaVerdict.Fail, report.Verdict);
        Assert.Equal([QaVerdict.Fail, QaVerdict.Warn], report.Findings.Select(f => f.Verdict).Distinct());
        Assert.All(report.Findings.Where(f => f.Verdict == QaVerdict.Fail), f => Assert.Equal("imu0", f.Stream)); // the gap, and the rate it cost
        Assert.Equal(("mic0", "silence"), (report.Findings[^1].Stream, report.Findings[^1].Check));
    }
}
