using EdgeRig.Calibration.Profiles;
using EdgeRig.Calibration.Stimulus;
using EdgeRig.Core;

namespace EdgeRig.Calibration.Tests;

public sealed class StreamVerdictTests
{
    private static readonly CalibrationTolerance Tolerance = new() { CameraMs = 0.5, AudioMs = 0.05, ImuMs = 0.5, LidarMs = 1 };

    private static StreamOffset Offset(string stream, double offsetMs, double halfWidthMs, string? failed = null) =>
        failed is null
            ? new StreamOffset(stream, "stimulus/x", offsetMs * 1e6, (offsetMs - halfWidthMs) * 1e6, (offsetMs + halfWidthMs) * 1e6, [], null)
            : StreamOffset.Failed(stream, "stimulus/x", [], failed);

    private static Modality? ModalityOf(string stream) => stream switch
    {
        "cam0" => Modality.Camera,
        "mic0" => Modality.Audio,
        "imu0" => Modality.Imu,
        "lidar0" => Modality.Lidar,
        _ => null,
    };

    [Theory]
    [InlineData("cam0", 0.49, true)]
    [InlineData("cam0", 0.51, false)]
    [InlineData("mic0", 0.05, true)]
    [InlineData("mic0", 0.06, false)]
    [InlineData("imu0", 0.3, true)]
    [InlineData("lidar0", 1.2, false)]
    public void Judge_IntervalHalfWidthAgainstTheModalitysTolerance(string stream, double halfWidthMs, bool passes)
    {
        var verdict = StreamVerdict.Judge([Offset(stream, 10, halfWidthMs)], ModalityOf, Tolerance).Single();

        Assert.Equal(passes, verdict.Passed);
        if (!passes)
            Assert.Equal($"{stream}: 95 % interval ±{halfWidthMs:0.000} ms is wider than the rig's {ModalityOf(stream)!.Value.ToString().ToLowerInvariant()} tolerance ±{Tolerance.MillisecondsFor(ModalityOf(stream)!.Value):0.000} ms",
                verdict.FailedBecause);
    }

    [Fact]
    public void Judge_TooFewEvents_FailsWithTheStreamsOwnReason()
    {
        var verdict = StreamVerdict.Judge([Offset("imu0", 0, 0, failed: "imu0: only 3 of 3 stimuli detected and consistent (need 5)")], ModalityOf, Tolerance).Single();

        Assert.False(verdict.Passed);
        Assert.Equal("imu0: only 3 of 3 stimuli detected and consistent (need 5)", verdict.FailedBecause);
    }

    [Fact]
    public void FromRun_OneStreamOutsideTolerance_RefusesNamingIt()
    {
        var verdicts = StreamVerdict.Judge([Offset("cam0", 22, 0.1), Offset("lidar0", 4, 1.5)], ModalityOf, Tolerance);

        var e = Assert.Throws<InvalidOperationException>(() => CalibrationProfile.FromRun("lab", "rig", verdicts,
            new Dictionary<string, string> { ["cam0"] = "cam0", ["lidar0"] = "lidar0" }, "me", "", DateTimeOffset.UnixEpoch));

        Assert.Equal("not saving profile 'lab' from a failed run: lidar0: 95 % interval ±1.500 ms is wider than the rig's lidar tolerance ±1.000 ms", e.Message);
    }

    [Fact]
    public void StimulusSchedule_IntervalsInRange_TailCoversTheLidarStepAndWindow()
    {
        var o = new StimulusOptions();
        var schedule = StimulusSchedule.Random(200, 0.9, 1.3, new Random(1), o);

        Assert.Equal(200, schedule.Intervals.Count);
        Assert.All(schedule.Intervals, i => Assert.InRange(i.TotalSeconds, 0.9, 1.3));
        Assert.True(schedule.Tail >= o.RangeStepLength + o.MaxOffset + o.Baseline);
        Assert.True(schedule.Settle >= o.Baseline - o.MinOffset);
        Assert.Equal(schedule.Settle + schedule.Tail + schedule.Intervals.Aggregate(Duration.Zero, (a, b) => a + b), schedule.Length);
    }
}
