using EdgeRig.Calibration.Profiles;
using EdgeRig.Core;
using EdgeRig.Storage;

namespace EdgeRig.Service.Tests;

/// <summary>Profile versions in the catalogue: the spatial section is kept and read back after the store is reopened, and a
/// profile without one reads back without one.</summary>
public sealed class CatalogueProfileRecordsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "edgerig-profiles-" + Guid.NewGuid().ToString("N"));

    private static readonly DateTimeOffset At = new(2026, 12, 7, 3, 0, 0, TimeSpan.Zero);

    private static SpatialCalibration Spatial() => new("cam0",
        [new CameraLensCalibration("cam0", "cam0", 640, 480,
            new CameraIntrinsics { Fx = 560.123456789, Fy = 558.2, Cx = 322.4, Cy = 238.9, K1 = -0.12, K2 = 0.08, P1 = 0.0008, P2 = -0.0005, K3 = -0.02 },
            [0.31, 0.3, 0.29, 0.2, 0.002, 0.01, 0.0001, 0.00011, 0.03], 0.0931, 40)],
        [new SensorFrameCalibration("cam0", "cam0", "cam0_optical", new SensorPose { TranslationM = [0.05, 0.06, 0], RotationDeg = [0.4, 1.2, -0.8] },
            "reference (rig file mount)", 0.0931, "px", 40),
         new SensorFrameCalibration("imu0", "imu0", "imu0", new SensorPose { TranslationM = [-0.02, 0.03, -0.03], RotationDeg = [3.01, -2, 89.9] },
            "gyro vs cam0 rates", 0.012, "rad/s", 900)]);

    private CalibrationProfile[] SaveThenReopen(params CalibrationProfile[] drafts)
    {
        using (var store = new LiteDbSessionStore(_dir))
        {
            var profiles = new CalibrationProfileStore(new CatalogueProfileRecords(store.CatalogueCollection("calibration")));
            foreach (var draft in drafts) profiles.Save(draft);
        }
        using var reopened = new LiteDbSessionStore(_dir);
        return [.. new CatalogueProfileRecords(reopened.CatalogueCollection("calibration")).All().OrderBy(p => p.Version)];
    }

    [Fact]
    public void Insert_ProfileWithSpatialSection_ReadsBackEveryValueAfterReopen()
    {
        var offsets = new CalibrationProfile("lab", 0, "sim-spatial", At, "ana", "time", [new StreamCalibration("cam0", "cam0", 22e6, 21.9e6, 22.1e6, 30, "stimulus/camera")]);
        var withSpatial = CalibrationProfile.SpatialDraft(offsets with { Version = 1 }, "lab", "sim-spatial", Spatial(), "ben", "spatial", At.AddHours(1));

        var back = SaveThenReopen(offsets, withSpatial);

        Assert.Equal(2, back.Length);
        Assert.Null(back[0].Spatial);
        Assert.Equal(offsets.Streams, back[1].Streams);
        var spatial = back[1].Spatial!;
        Assert.Equal("cam0", spatial.ReferenceStream);
        var lens = Assert.Single(spatial.Cameras);
        Assert.Equal(Spatial().Cameras[0].Intrinsics, lens.Intrinsics);
        Assert.Equal(Spatial().Cameras[0].StandardDeviations, lens.StandardDeviations);
        Assert.Equal((640, 480, 0.0931, 40), (lens.Width, lens.Height, lens.ReprojectionRmsPx, lens.Views));
        var imu = spatial.FrameFor("imu0")!;
        Assert.Equal([3.01, -2, 89.9], imu.RigFromSensor.RotationDeg);
        Assert.Equal([-0.02, 0.03, -0.03], imu.RigFromSensor.TranslationM);
        Assert.Equal(("imu0", "gyro vs cam0 rates", 0.012, "rad/s", 900), (imu.FrameId, imu.Method, imu.Residual, imu.ResidualUnit, imu.Views));
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }
}
