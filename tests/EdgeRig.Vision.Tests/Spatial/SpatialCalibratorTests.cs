using EdgeRig.Vision.Spatial;
using Xunit.Abstractions;

namespace EdgeRig.Vision.Tests.Spatial;

public sealed class SpatialCalibratorTests(ITestOutputHelper output)
{
    /// <summary>Seed 5 is the bench's hard case: misdetected board views while the rig sways (they threw the camera-IMU lag off).</summary>
    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    public void Calibrate_SimulatedSession_RecoversTruthWithinGoals(int seed)
    {
        string root = SpatialSessions.Root();
        var rig = SpatialSessions.Rig(root, seed);
        var streams = SpatialSessions.Record(rig);
        var report = SpatialCalibrator.Calibrate(streams, rig);
        foreach (var f in report.Failures) output.WriteLine($"failure {f}");
        foreach (var c in report.Cameras) output.WriteLine($"{c.Stream}: {c.Intrinsics} rms {c.ReprojectionRmsPx:0.000} views {c.Views} sd [{string.Join(", ", c.StandardDeviations.Select(x => x.ToString("0.####")))}]");
        foreach (var f in report.Frames) output.WriteLine($"{f.Stream}: {f.Method} t [{string.Join(", ", f.RigFromSensor.TranslationM.Select(x => x.ToString("0.0000")))}] r [{string.Join(", ", f.RigFromSensor.RotationDeg.Select(x => x.ToString("0.000")))}] residual {f.Residual:0.0000} {f.ResidualUnit} views {f.Views}");
        var e = SpatialSessions.Compare(report, rig);
        output.WriteLine(e.ToString());
        Assert.True(report.Passed, string.Join("; ", report.Failures));
        Assert.Equal(2, report.Cameras.Count);
        Assert.Equal(4, report.Frames.Count);
        var g = SpatialSessions.Goals;
        Assert.True(e.FocalPercent <= g.FocalPercent, $"focal error {e.FocalPercent} %");
        Assert.True(e.PrincipalPointPx <= g.PrincipalPointPx, $"principal point error {e.PrincipalPointPx} px");
        Assert.True(e.RmsPx <= g.RmsPx, $"reprojection RMS {e.RmsPx} px");
        Assert.True(e.LidarRotationDeg <= g.LidarRotationDeg, $"camera-LIDAR rotation error {e.LidarRotationDeg} deg");
        Assert.True(e.LidarTranslationMm <= g.LidarTranslationMm, $"camera-LIDAR translation error {e.LidarTranslationMm} mm");
        Assert.True(e.ImuRotationDeg <= g.ImuRotationDeg, $"camera-IMU rotation error {e.ImuRotationDeg} deg");
        Assert.True(e.BaselineMm <= g.BaselineMm, $"baseline error {e.BaselineMm} mm");
    }
}
