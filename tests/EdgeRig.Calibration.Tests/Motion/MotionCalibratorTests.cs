using EdgeRig.Calibration.Motion;
using EdgeRig.Core;
using Xunit.Abstractions;

namespace EdgeRig.Calibration.Tests.Motion;

public sealed class MotionCalibratorTests(ITestOutputHelper output)
{
    [Fact]
    public void CameraAndLidarVsGyro_KnownShifts_RecoveredWithinIntervals()
    {
        var rig = new SyntheticMotionRig(seed: 3);
        var gyro = rig.Gyro(latencyMs: 1.0, seconds: 30);
        var streams = new[] { rig.Camera(latencyMs: 7.3 + 1.0, seconds: 20), rig.Lidar(latencyMs: 4.2, seconds: 30) };

        var results = MotionCalibrator.Calibrate(gyro, streams, new Vision.FarnebackCameraYaw(), new MotionOptions { GyroOffset = Duration.FromMilliseconds(1.0) }).ToDictionary(r => r.Stream);

        AssertRecovered(results["cam0"], 8.3, goalMs: 1.0);
        AssertRecovered(results["lidar0"], 4.2, goalMs: 2.0);
    }

    [Fact]
    public void NoMotion_StreamFails_SayingMotionTooWeak()
    {
        var rig = new SyntheticMotionRig(seed: 4);
        var gyro = rig.Gyro(latencyMs: 1.0, seconds: 10);
        var still = new SyntheticMotionRig(seed: 5).Lidar(latencyMs: 4, seconds: 10);
        var shuffled = still with { Samples = still.Samples.OrderBy(s => s.Sequence % 7).Select((s, i) => s with { Rig = still.Samples[i].Rig }).ToList() };

        var result = MotionCalibrator.Calibrate(gyro, [shuffled], new Vision.FarnebackCameraYaw()).Single();

        Assert.False(result.Succeeded);
        Assert.StartsWith("lidar0: motion too weak or timestamps inconsistent", result.FailedBecause);
    }

    private void AssertRecovered(StreamOffset r, double trueMs, double goalMs)
    {
        output.WriteLine($"{r}; truth {trueMs} ms, error {(r.OffsetNs / 1e6 - trueMs) * 1e3:0.0} us");
        Assert.True(r.Succeeded, r.FailedBecause);
        Assert.InRange(r.OffsetNs / 1e6, trueMs - goalMs, trueMs + goalMs);
        Assert.InRange(trueMs * 1e6, r.CiLowNs, r.CiHighNs);
    }
}
