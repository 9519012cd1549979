using EdgeRig.Calibration.Stimulus;
using Xunit.Abstractions;

namespace EdgeRig.Calibration.Tests.Stimulus;

public sealed class StimulusCalibratorTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(7.3, 1)]
    [InlineData(16.05, 2)]
    [InlineData(29.9, 3)]
    public void Camera_SubFrameLatencyAt30Fps_RecoveredWithinHalfMillisecondAndInsideInterval(double latencyMs, int seed)
    {
        var rig = new SyntheticStimulusRig(seed);
        var events = rig.Events(30);
        var cam = rig.Camera("cam0", events, latencyMs, events[^1] / 1e9 + 1);

        var result = StimulusCalibrator.Calibrate([cam], SyntheticStimulusRig.References(events)).Single();

        AssertRecovered(result, latencyMs, goalMs: 0.5);
    }

    [Fact]
    public void AllModalities_InjectedLatencies_RecoveredWithinGoalsAndIntervals()
    {
        var rig = new SyntheticStimulusRig(seed: 42);
        var events = rig.Events(30);
        double duration = events[^1] / 1e9 + 1;
        var streams = new[]
        {
            rig.Microphone("mic0", events, 2.345, duration),
            rig.Imu("imu0", events, 1.1, duration),
            rig.Lidar("lidar0", events, 4.2, duration),
        };

        var results = StimulusCalibrator.Calibrate(streams, SyntheticStimulusRig.References(events)).ToDictionary(r => r.Stream);

        AssertRecovered(results["mic0"], 2.345, goalMs: 0.05);
        AssertRecovered(results["imu0"], 1.1, goalMs: 0.5);
        AssertRecovered(results["lidar0"], 4.2, goalMs: 1.5);
    }

    [Fact]
    public void TooFewStimuli_StreamFails_NamingItAndTheCount()
    {
        var rig = new SyntheticStimulusRig(seed: 5);
        var events = rig.Events(3);
        var imu = rig.Imu("imu0", events, 1.0, events[^1] / 1e9 + 1);

        var result = StimulusCalibrator.Calibrate([imu], SyntheticStimulusRig.References(events)).Single();

        Assert.False(result.Succeeded);
        Assert.Equal("imu0: only 3 of 3 stimuli detected and consistent (need 5)", result.FailedBecause);
    }

    [Fact]
    public void Audio_ReferenceWithoutClick_IsRejectedAndTheRestStillCalibrate()
    {
        var rig = new SyntheticStimulusRig(seed: 9);
        var events = rig.Events(12);
        var mic = rig.Microphone("mic0", events.Where((_, i) => i != 4).ToList(), 3.0, events[^1] / 1e9 + 1);

        var result = StimulusCalibrator.Calibrate([mic], SyntheticStimulusRig.References(events)).Single();

        Assert.True(result.Succeeded, result.FailedBecause);
        Assert.Equal(11, result.EventsUsed);
        Assert.StartsWith("no onset", result.Events.Single(e => e.Number == 5).RejectedBecause);
    }

    private void AssertRecovered(StreamOffset result, double trueMs, double goalMs)
    {
        output.WriteLine($"{result}; truth {trueMs} ms, error {(result.OffsetNs / 1e6 - trueMs) * 1e3:0.0} us");
        foreach (var g in result.Events.Where(e => !e.Used).GroupBy(e => e.RejectedBecause![..Math.Min(30, e.RejectedBecause!.Length)]))
            output.WriteLine($"  rejected {g.Count()}: {g.Key}");
        Assert.True(result.Succeeded, result.FailedBecause);
        Assert.InRange(result.OffsetNs / 1e6, trueMs - goalMs, trueMs + goalMs);
        Assert.InRange(trueMs * 1e6, result.CiLowNs, result.CiHighNs);
    }
}
