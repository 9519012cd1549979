using EdgeRig.Core;
using EdgeRig.Vision.Spatial;

namespace EdgeRig.Vision.Tests.Spatial;

/// <summary>A session that cannot determine the geometry fails by name, and its report never becomes a profile section.</summary>
public sealed class SpatialFailureTests
{
    private static RigProfile Rig(IReadOnlyList<TargetKeyframe> path, RigSwayProfile? sway, int minViews = 12)
    {
        var rig = SpatialSessions.Rig(SpatialSessions.Root(), 5);
        return rig with
        {
            World = rig.World with { Target = rig.World.Target! with { Path = path, RigSway = sway } },
            Calibration = rig.Calibration with { Spatial = rig.Calibration.Spatial with { MinViews = minViews, MinLidarViews = 3 } },
        };
    }

    private static TargetKeyframe Hold(double at, double x, double y, double z, double tiltX, double tiltY) =>
        new() { AtSeconds = at, HoldSeconds = 0.6, CenterM = [x, y, z], TiltDeg = [tiltX, tiltY, 0] };

    private static readonly TargetKeyframe[] FiveViews =
        [Hold(0.5, 0.75, 0, 0, 0, 0), Hold(1.6, 0.7, 0.08, 0.05, 25, -20), Hold(2.7, 0.7, -0.08, -0.05, -25, 20), Hold(3.8, 0.65, 0, 0.03, 35, 0), Hold(4.9, 0.9, 0, -0.03, -30, 10)];

    /// <summary>Records and solves the rig; asserts the stream failed once, by <paramref name="name"/>, with a message saying
    /// <paramref name="why"/>, and that the report cannot be saved.</summary>
    private static SpatialReport AssertFailsBy(RigProfile rig, string stream, string name, string why)
    {
        var report = SpatialCalibrator.Calibrate(SpatialSessions.Record(rig), rig);
        var failure = Assert.Single(report.Failures, f => f.Stream == stream);
        Assert.Equal(name, failure.Name);
        Assert.Contains(why, failure.Message);
        AssertNothingToSave(report, name);
        return report;
    }

    private static void AssertNothingToSave(SpatialReport report, string name)
    {
        Assert.False(report.Passed);
        var e = Assert.Throws<InvalidOperationException>(report.ToProfileSection);
        Assert.Contains(name, e.Message);
    }

    [Fact]
    public void Calibrate_FewerViewsThanTheRigFileAsks_FailsAsTooFewTargetViews()
    {
        AssertFailsBy(Rig(FiveViews, null), "cam0", SpatialFailure.TooFewTargetViews, "need 12");
    }

    [Fact]
    public void Calibrate_BoardAlwaysPartlyOutOfView_FailsAsNeverFullyVisible()
    {
        // held far to the left and close: the cameras see only part of it
        var rig = Rig([Hold(0.5, 0.45, 0.3, 0, 0, 0), Hold(1.6, 0.45, 0.32, 0.1, 10, 0)], null, minViews: 3);
        var report = SpatialCalibrator.Calibrate(SpatialSessions.Record(rig), rig);
        Assert.Contains(report.Failures, f => f is { Stream: "cam0", Name: SpatialFailure.TargetNeverFullyVisible });
        Assert.Contains(report.Failures, f => f is { Stream: "cam1", Name: SpatialFailure.TargetNeverFullyVisible });
        Assert.Empty(report.Cameras);
        AssertNothingToSave(report, "");
    }

    [Fact]
    public void Calibrate_RigTurnedAboutOneAxisOnly_FailsAsMotionTooSmall()
    {
        var still = Hold(6.0, 0.85, 0, -0.02, 0, 0) with { HoldSeconds = 5 };
        var sway = new RigSwayProfile { AtSeconds = 6.3, DurationSeconds = 4.5, AmplitudeDeg = [0, 0, 6], FrequencyHz = [0.7, 0.9, 0.8] };
        var report = AssertFailsBy(Rig([.. FiveViews, still], sway, minViews: 3), "imu0", SpatialFailure.MotionTooSmall, "one axis");
        Assert.Equal(2, report.Cameras.Count);
    }

    [Fact]
    public void Calibrate_RigNeverTurned_FailsAsMotionTooSmall()
    {
        AssertFailsBy(Rig(FiveViews, null, minViews: 3), "imu0", SpatialFailure.MotionTooSmall, "never turned");
    }
}
