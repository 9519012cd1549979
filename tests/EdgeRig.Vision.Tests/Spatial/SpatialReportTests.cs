using EdgeRig.Calibration.Profiles;
using EdgeRig.Core;
using EdgeRig.Vision.Spatial;

namespace EdgeRig.Vision.Tests.Spatial;

/// <summary>Saving a spatial report: a new version beside the name's time offsets, never from a failed run.</summary>
public sealed class SpatialReportTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 7, 3, 0, 0, TimeSpan.Zero);

    private static readonly CameraLensCalibration Lens = new("cam0", "cam0", 640, 480, new CameraIntrinsics { Fx = 560, Fy = 558, Cx = 322, Cy = 239 },
        [0.3, 0.3, 0.3, 0.3, 0.001, 0.001, 0.0001, 0.0001, 0.01], 0.09, 30);

    private static readonly SensorFrameCalibration Frame = new("cam0", "cam0", "cam0_optical", new SensorPose(), "reference (rig file mount)", 0.09, "px", 30);

    private static (CalibrationProfileStore Store, List<CalibrationProfile> Saved) OffsetsSaved()
    {
        var saved = new List<CalibrationProfile>();
        var store = new CalibrationProfileStore(new Records(saved));
        store.Save(new CalibrationProfile("lab", 0, "sim-spatial", At, "ana", "time", [new StreamCalibration("cam0", "cam0", 22e6, 21.9e6, 22.1e6, 30, "stimulus/camera")]));
        return (store, saved);
    }

    [Fact]
    public void SaveAs_PassedRun_NextVersionKeepsTheTimeOffsets()
    {
        var (store, _) = OffsetsSaved();
        var report = new SpatialReport("cam0", [Lens], [Frame], [], 1.5e6);

        var (saved, notSaved) = report.SaveAs(store, "lab", "sim-spatial", "ben", "board", At.AddHours(1));

        Assert.Equal("", notSaved);
        Assert.Equal(2, saved!.Version);
        Assert.Equal(22e6, saved.For("cam0")!.OffsetNs);
        Assert.Equal(Lens, saved.Spatial!.CameraFor("cam0"));
        Assert.Equal(saved, store.Get("lab"));
    }

    [Fact]
    public void SaveAs_FailedRun_NothingSaved_ReasonNamesTheFailure()
    {
        var (store, saved) = OffsetsSaved();
        var report = new SpatialReport("cam0", [Lens], [Frame], [new SpatialFailure(SpatialFailure.MotionTooSmall, "imu0", "the rig hardly turned")], 0);

        var (profile, notSaved) = report.SaveAs(store, "lab", "sim-spatial", "ben", "board", At);

        Assert.Null(profile);
        Assert.Contains("imu0: motion-too-small: the rig hardly turned", notSaved);
        Assert.Single(saved);
    }

    [Fact]
    public void SaveAs_NameOfAnotherRig_NothingSaved_ReasonNamesTheRig()
    {
        var (store, saved) = OffsetsSaved();
        var report = new SpatialReport("cam0", [Lens], [Frame], [], 0);

        var (profile, notSaved) = report.SaveAs(store, "lab", "another-rig", "ben", "board", At);

        Assert.Null(profile);
        Assert.Contains("belongs to rig 'sim-spatial'", notSaved);
        Assert.Single(saved);
    }

    private sealed class Records(List<CalibrationProfile> saved) : IProfileRecords
    {
        public void Insert(CalibrationProfile profile) => saved.Add(profile);
        public IEnumerable<CalibrationProfile> All() => saved.ToList();
    }
}
