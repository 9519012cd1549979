using EdgeRig.Calibration.Profiles;
using EdgeRig.Core;

namespace EdgeRig.Calibration.Tests.Profiles;

/// <summary>The profile's optional spatial section: saved and read back in the one JSON format, absent from older profiles.</summary>
public sealed class SpatialProfileTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A profile exactly as version 1 of the format was written before spatial calibration existed.</summary>
    private const string SavedBeforeSpatial = """
        {
          "format": "edgerig-calibration-profile/1",
          "profile": {
            "name": "lab", "version": 3, "rig": "sim-default", "createdAt": "2026-11-27T12:00:00+00:00", "createdBy": "ana", "note": "bench",
            "streams": [ { "stream": "cam0", "deviceId": "cam0", "offsetNs": 22000000, "ciLowNs": 21990000, "ciHighNs": 22010000, "eventsUsed": 30, "method": "stimulus/camera" } ]
          }
        }
        """;

    private static SpatialCalibration Spatial() => new("cam0",
        [new CameraLensCalibration("cam0", "cam0", 640, 480,
            new CameraIntrinsics { Fx = 560.1, Fy = 558.2, Cx = 322.4, Cy = 238.9, K1 = -0.12, K2 = 0.08, P1 = 0.0008, P2 = -0.0005, K3 = -0.02 },
            [0.3, 0.3, 0.3, 0.2, 0.002, 0.01, 0.0001, 0.0001, 0.03], 0.09, 40)],
        [new SensorFrameCalibration("lidar0", "lidar0", "lidar0", new SensorPose { TranslationM = [0.02, 0, -0.06], RotationDeg = [1, -0.8, 2] },
            "board planes seen by cam0", 4.8, "mm", 15)]);

    [Fact]
    public void FromJson_ProfileSavedBeforeSpatial_LoadsWithoutSpatialSection()
    {
        var profile = CalibrationProfile.FromJson(SavedBeforeSpatial);
        Assert.Null(profile.Spatial);
        Assert.Equal(3, profile.Version);
        Assert.Equal(22e6, profile.For("cam0")!.OffsetNs);
        Assert.Null(CalibrationProfile.FromJson(profile.ToJson()).Spatial);
    }

    [Fact]
    public void ToJson_WithSpatial_RoundTripsEveryValue()
    {
        var profile = CalibrationProfile.FromJson(SavedBeforeSpatial).WithSpatial(Spatial(), "ben", "spatial run", At);
        var back = CalibrationProfile.FromJson(profile.ToJson());
        Assert.Equal(0, back.Version);
        Assert.Equal(profile.Streams, back.Streams);
        var lens = back.Spatial!.CameraFor("cam0")!;
        Assert.Equal(Spatial().Cameras[0].Intrinsics, lens.Intrinsics);
        Assert.Equal(Spatial().Cameras[0].StandardDeviations, lens.StandardDeviations);
        var lidar = back.Spatial.FrameFor("lidar0")!;
        Assert.Equal([0.02, 0, -0.06], lidar.RigFromSensor.TranslationM);
        Assert.Equal([1, -0.8, 2], lidar.RigFromSensor.RotationDeg);
        Assert.Equal(("mm", 15), (lidar.ResidualUnit, lidar.Views));
    }

    [Fact]
    public void Save_WithSpatial_BecomesTheNextVersionBesideTheTimeOffsets()
    {
        var records = new List<CalibrationProfile>();
        var store = new CalibrationProfileStore(new Records(records));
        var first = store.Save(CalibrationProfile.FromJson(SavedBeforeSpatial) with { Version = 0 });
        var second = store.Save(first.WithSpatial(Spatial(), "ben", "spatial run", At));
        Assert.Equal(2, second.Version);
        Assert.Equal(first.Streams, second.Streams);
        Assert.NotNull(store.Get("lab")!.Spatial);
        Assert.Null(store.Get("lab", 1)!.Spatial);
    }

    [Fact]
    public void SpatialDraft_NewName_SavesASpatialOnlyProfile_LatestKeepsItsTimeOffsets()
    {
        var records = new List<CalibrationProfile>();
        var store = new CalibrationProfileStore(new Records(records));
        var spatialOnly = store.Save(CalibrationProfile.SpatialDraft(store.Get("bench"), "bench", "sim-spatial", Spatial(), "ben", "first", At));
        Assert.Equal((1, 0, "sim-spatial"), (spatialOnly.Version, spatialOnly.Streams.Count, spatialOnly.Rig));
        Assert.Equal("cam0", spatialOnly.Spatial!.ReferenceStream);

        var timed = store.Save(CalibrationProfile.FromJson(SavedBeforeSpatial) with { Version = 0 });
        var next = store.Save(CalibrationProfile.SpatialDraft(store.Get("lab"), "lab", "sim-default", Spatial(), "ben", "second", At));
        Assert.Equal((2, "sim-default", "ben", "second"), (next.Version, next.Rig, next.CreatedBy, next.Note));
        Assert.Equal(timed.Streams, next.Streams);
        Assert.Throws<ArgumentException>(() => store.Save(CalibrationProfile.SpatialDraft(store.Get("lab"), "lab", "sim-spatial", Spatial(), "ben", "other rig", At)));
    }

    [Fact]
    public void Judge_TimeOffsetsSavedUnderANameWithASpatialSection_NewVersionKeepsTheSection()
    {
        var store = new CalibrationProfileStore(new Records([]));
        store.Save(CalibrationProfile.SpatialDraft(null, "lab", "rig", Spatial(), "ben", "board", At));
        var camera = new StreamDescriptor(new StreamId("cam0"), Modality.Camera, Encodings.Jpeg, 30, "", "cam0", "cam0_optical");
        var record = new SessionRecord(new Session("s", "n", "o", new Dictionary<string, string>(), new RigTime(0), new RigTime(1), SessionState.Complete, "rig"),
            [camera], new Dictionary<string, StreamCounts>(), [], 0, 0);
        var run = new CalibrationRun("stimulus", record, [new StreamOffset("cam0", "stimulus/camera", 22e6, 21.9e6, 22.1e6, [], null)], [], "test", "", null);

        var outcome = new CalibrationRunner(store, "rig", new CalibrationSettings(), cameraYaw: null, new Dictionary<string, double>()).Judge(run, "lab", "ana", "time", At);

        Assert.Equal(2, outcome.Saved!.Version);
        Assert.Equal(22e6, outcome.Saved.For("cam0")!.OffsetNs);
        Assert.Equal(Spatial().Cameras[0].Intrinsics, outcome.Saved.Spatial!.CameraFor("cam0")!.Intrinsics);
    }

    private sealed class Records(List<CalibrationProfile> saved) : IProfileRecords
    {
        public void Insert(CalibrationProfile profile) => saved.Add(profile);
        public IEnumerable<CalibrationProfile> All() => saved.ToList();
    }
}
