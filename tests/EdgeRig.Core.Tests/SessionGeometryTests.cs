using EdgeRig.Core;

namespace EdgeRig.Core.Tests;

/// <summary>A session keeps the rig file's design geometry in its stream parameters and reads it back for exports.</summary>
public sealed class SessionGeometryTests
{
    private static readonly RigProfile Rig = new()
    {
        Name = "rig",
        Devices =
        [
            new DeviceProfile { Id = "cam0", Kind = "camera", Mount = new SensorPose { TranslationM = [0.05, 0.06, 0], RotationDeg = [0.4, 1.2, -0.8] },
                Intrinsics = new CameraIntrinsics { Fx = 560, Fy = 558, Cx = 322.5, Cy = 238.7, K1 = -0.12, K2 = 0.08, P1 = 0.0008, P2 = -0.0005, K3 = -0.02 } },
            new DeviceProfile { Id = "imu0", Kind = "imu", Mount = new SensorPose { TranslationM = [-0.02, 0.03, -0.03], RotationDeg = [3, -2, 90] } },
            new DeviceProfile { Id = "mic0", Kind = "microphone" },
        ],
    };

    private static StreamDescriptor Stream(string id, Modality modality, Dictionary<string, string>? parameters = null) =>
        new(new StreamId(id), modality, "x", 10, "", id, id + "_frame") { Parameters = parameters ?? new Dictionary<string, string>() };

    [Fact]
    public void WithDesignGeometry_ThenRecorded_GivesTheRigFilesPosesAndLens()
    {
        var streams = new[] { Stream("cam0", Modality.Camera, new() { ["width"] = "640", ["height"] = "480" }), Stream("imu0", Modality.Imu), Stream("mic0", Modality.Audio) }
            .Select(s => SessionGeometry.WithDesignGeometry(s, Rig)).ToList();

        var geometry = SessionGeometry.Recorded(streams, "rig")!;

        Assert.Equal(Rig.Devices[0].Intrinsics, geometry.CameraFor("cam0")!.Intrinsics);
        Assert.Equal(("cam0_frame", 640, 480), (geometry.CameraFor("cam0")!.FrameId, geometry.CameraFor("cam0")!.Width, geometry.CameraFor("cam0")!.Height));
        foreach (var device in Rig.Devices.Take(2))
        {
            var expected = DeviceGeometry.RigFromSensor(device);
            var recorded = geometry.FrameFor(device.Id)!.RigFromFrame;
            Assert.True(expected.Rotation.AngleTo(recorded.Rotation) < 1e-12, device.Id);
            Assert.True((expected.Translation - recorded.Translation).Length < 1e-12, device.Id);
        }
        Assert.Null(geometry.FrameFor("mic0"));
        Assert.Same(streams[2].Parameters, SessionGeometry.WithDesignGeometry(streams[2], Rig).Parameters);
    }

    [Fact]
    public void Recorded_StreamsWithoutGeometry_Null()
    {
        Assert.Null(SessionGeometry.Recorded([Stream("cam0", Modality.Camera)], "rig"));
        Assert.Null(SessionGeometry.Recorded([Stream("cam0", Modality.Camera, new() { [SessionGeometry.PoseParameter] = "1 2 3" })], "rig"));
    }
}
