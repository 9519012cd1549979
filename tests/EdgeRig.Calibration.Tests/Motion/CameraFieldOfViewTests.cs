using System.Diagnostics.CodeAnalysis;
using EdgeRig.Calibration.Motion;
using EdgeRig.Calibration.Profiles;
using EdgeRig.Core;

namespace EdgeRig.Calibration.Tests.Motion;

/// <summary>The motion method scales camera rates by the camera's field of view from the rig file, and assumes none for a camera
/// the rig file does not describe.</summary>
public sealed class CameraFieldOfViewTests
{
    private static readonly StreamDescriptor Imu = new(new StreamId("imu0"), Modality.Imu, Encodings.Imu6, 100, "", "imu0", "imu0");
    private static readonly StreamDescriptor Cam = new(new StreamId("cam0"), Modality.Camera, Encodings.Jpeg, 30, "", "camdev", "cam0")
    {
        Parameters = new Dictionary<string, string> { ["width"] = "640" },
    };

    private static CalibrationRunner Runner(RecordingYaw yaw, IReadOnlyDictionary<string, double> fieldsOfView) =>
        new(new CalibrationProfileStore(new SessionStreamsTests.NoProfiles()), "rig", new CalibrationSettings(), yaw, fieldsOfView);

    [Fact]
    public void Motion_CameraWithoutFieldOfView_RefusesNamingTheRigFileField()
    {
        var e = Assert.Throws<InvalidRigStateException>(() => Runner(new RecordingYaw(), new Dictionary<string, double>()).Motion(new TwoStreams(), "", ""));

        Assert.Contains("devices.camdev.horizontalFovDeg", e.Message);
    }

    [Theory]
    [InlineData(Math.PI / 3)]
    [InlineData(1.2)]
    public void Motion_CameraFieldOfViewGiven_ScalesByItOverTheWidth(double fovRad)
    {
        var yaw = new RecordingYaw();

        Runner(yaw, new Dictionary<string, double> { ["camdev"] = fovRad }).Motion(new TwoStreams(), "", "");

        Assert.Equal(fovRad / 640, yaw.RadiansPerPixel);
    }

    /// <summary>Remembers the scale it was asked with; sees no motion.</summary>
    private sealed class RecordingYaw : ICameraYawRate
    {
        public double? RadiansPerPixel { get; private set; }

        public RateSeries Measure(IReadOnlyList<Sample> frames, RigTime origin, double radiansPerPixel)
        {
            RadiansPerPixel = radiansPerPixel;
            return new RateSeries([], []);
        }
    }

    /// <summary>A session of an IMU (20 still samples) and a camera (3 frames), one chunk each.</summary>
    private sealed class TwoStreams : ISessionSource
    {
        public SessionRecord Record { get; } = new(new Session("s1", "n", "o", new Dictionary<string, string>(), new RigTime(0), new RigTime(1_000_000_000), SessionState.Complete, "rig"),
            [Imu, Cam], new Dictionary<string, StreamCounts>(), [], 2, 0);

        public IReadOnlyList<ChunkInfo> Chunks { get; } =
        [
            new ChunkInfo(Imu.Id, 0, 0, 19, 20, new RigTime(0), new RigTime(190_000_000), ChunkCodec.None, 0, 0, 0, ""),
            new ChunkInfo(Cam.Id, 0, 0, 2, 3, new RigTime(0), new RigTime(66_000_000), ChunkCodec.None, 0, 0, 0, ""),
        ];

        public bool TryReadChunk(ChunkInfo chunk, [NotNullWhen(true)] out IReadOnlyList<Sample>? samples, [NotNullWhen(false)] out ChunkProblem? problem)
        {
            int size = chunk.Stream == Imu.Id ? 24 : 100;
            long step = chunk.Stream == Imu.Id ? 10_000_000 : 33_000_000;
            samples = [.. Enumerable.Range(0, chunk.Count).Select(k => new Sample(chunk.Stream, k, new SensorTime(k), new HostTime(k * step),
                new RigTimestamp(new RigTime(k * step), new Duration(1)), new byte[size]))];
            problem = null;
            return true;
        }
    }
}
