using EdgeRig.Core;
using EdgeRig.Export.Dataset;
using EdgeRig.Export.Mcap;
using EdgeRig.Export.SessionMcap;
using EdgeRig.Export.SessionMcap.Foxglove;
using EdgeRig.Export.Tests.Dataset;

namespace EdgeRig.Export.Tests.SessionMcap;

/// <summary>The geometry an export carries: Foxglove camera calibrations and the static transform tree, and LIDAR points
/// projected into a camera, checked against values worked by hand.</summary>
public sealed class GeometryExportTests : IDisposable
{
    private readonly SyntheticSessionFolder _session = new();

    public void Dispose() => _session.Dispose();

    private static readonly CameraIntrinsics Lens = new() { Fx = 500, Fy = 490, Cx = 320, Cy = 240, K1 = -0.1, K2 = 0.02, P1 = 0.001, P2 = -0.002, K3 = 0.003 };

    /// <summary>A camera 10 cm left of the rig origin looking along the rig's +x (optical z = rig x), a LIDAR 5 cm below it, level.</summary>
    private static SessionGeometry Geometry() => new("test",
        [new CameraModel("cam0", "cam0_link", 640, 480, Lens)],
        [new FramePose("cam0", "cam0_link", new RigidTransform(SensorPose.BodyFromOptical.Rotation, new Vec3(0, 0.1, 0))),
         new FramePose("lidar0", "lidar0_link", new RigidTransform(Rotation3.Identity, new Vec3(0, 0.1, -0.05))),
         new FramePose("not-exported", "elsewhere", RigidTransform.Identity)]);

    [Fact]
    public void Calibration_KnownLens_PlumbBobWithKRAndP()
    {
        var m = GeometryMessages.Calibration(new CameraModel("cam0", "cam0_link", 640, 480, Lens), new RigTime(1_500_000_000_250_000_000));

        Assert.Equal(("cam0_link", 640u, 480u, "plumb_bob"), (m.FrameId, m.Width, m.Height, m.DistortionModel));
        Assert.Equal([-0.1, 0.02, 0.001, -0.002, 0.003], m.D);
        Assert.Equal([500, 0, 320, 0, 490, 240, 0, 0, 1], m.K);
        Assert.Equal([1, 0, 0, 0, 1, 0, 0, 0, 1], m.R);
        Assert.Equal([500, 0, 320, 0, 0, 490, 240, 0, 0, 0, 1, 0], m.P);
        Assert.Equal((1_500_000_000L, 250_000_000), (m.Timestamp.Seconds, m.Timestamp.Nanos));
    }

    [Fact]
    public void Transform_QuarterTurnAboutZ_QuaternionAndTranslation()
    {
        var pose = new FramePose("imu0", "imu0", new RigidTransform(Rotation3.FromRotationVector(new Vec3(0, 0, Math.PI / 2)), new Vec3(0.1, -0.2, 0.3)));

        var t = GeometryMessages.Transform(pose, new RigTime(5));

        Assert.Equal(("rig", "imu0"), (t.ParentFrameId, t.ChildFrameId));
        Assert.Equal((0.1, -0.2, 0.3), (t.Translation.X, t.Translation.Y, t.Translation.Z));
        Assert.Equal(0, t.Rotation.X, 12);
        Assert.Equal(0, t.Rotation.Y, 12);
        Assert.Equal(Math.Sqrt(0.5), t.Rotation.Z, 12);
        Assert.Equal(Math.Sqrt(0.5), t.Rotation.W, 12);
    }

    [Fact]
    public void Export_WithGeometry_TfAndCameraCalibrationAtTheStartForExportedStreamsOnly()
    {
        using var output = new MemoryStream();
        var result = SessionMcapExporter.Export(new PulledFolderSessionSource(_session.Folder), output,
            new SessionMcapOptions { Geometry = Geometry(), Streams = ["cam0", "lidar0"] });

        using var reader = new McapReader(new MemoryStream(output.ToArray()));
        var summary = reader.ReadSummary();
        var byTopic = reader.ReadMessages().GroupBy(m => summary.Channels[m.ChannelId].Topic).ToDictionary(g => g.Key, g => g.ToList());
        var transforms = byTopic["/tf"].Select(m => FrameTransform.Parser.ParseFrom(m.Data.ToArray())).ToList();
        Assert.Equal(["cam0_link", "lidar0_link"], transforms.Select(t => t.ChildFrameId));
        var calibration = CameraCalibration.Parser.ParseFrom(Assert.Single(byTopic["/cam0/calibration"]).Data.ToArray());
        Assert.Equal(500, calibration.K[0]);
        Assert.All(byTopic["/tf"].Concat(byTopic["/cam0/calibration"]), m => Assert.Equal((ulong)SyntheticSessionFolder.StartNs, m.LogTime));
        Assert.Equal((2, 1), (result.MessageCounts["/tf"], result.MessageCounts["/cam0/calibration"]));
        var schemas = summary.Channels.Values.ToDictionary(c => c.Topic, c => summary.Schemas[c.SchemaId].Name);
        Assert.Equal(("foxglove.FrameTransform", "foxglove.CameraCalibration"), (schemas["/tf"], schemas["/cam0/calibration"]));
    }

    [Fact]
    public void Prepare_SessionRecordedWithDesignGeometry_ExportCarriesIt_AnAppliedSpatialProfileWins()
    {
        var rig = new RigProfile
        {
            Name = "rig",
            Devices = [new DeviceProfile { Id = "cam0-dev", Kind = "camera", Mount = new SensorPose { TranslationM = [0.05, 0, 0] }, Intrinsics = Lens }],
        };
        var folder = new PulledFolderSessionSource(_session.Folder);
        var source = new RecordedWith(folder, [.. folder.Record.Streams.Select(d => SessionGeometry.WithDesignGeometry(d, rig))]);
        IReadOnlyList<FrameTransform> Transforms(SessionCalibration? calibration)
        {
            using var output = new MemoryStream();
            SessionExport.Prepare(source, new SessionExportOptions { Streams = ["cam0"], Calibration = calibration }).WriteMcap(output);
            using var reader = new McapReader(new MemoryStream(output.ToArray()));
            var channels = reader.ReadSummary().Channels;
            return [.. reader.ReadMessages().Where(m => channels[m.ChannelId].Topic == "/tf").Select(m => FrameTransform.Parser.ParseFrom(m.Data.ToArray()))];
        }

        var design = Assert.Single(Transforms(null));
        Assert.Equal(("cam0_link", 0.05), (design.ChildFrameId, design.Translation.X));
        var solved = Assert.Single(Transforms(SessionCalibration.None("test") with { Geometry = Geometry() }));
        Assert.Equal(0.1, solved.Translation.Y);
    }

    /// <summary>A session whose streams carry other parameters (what the recording pipeline wrote).</summary>
    private sealed class RecordedWith(ISessionSource inner, IReadOnlyList<StreamDescriptor> streams) : ISessionSource
    {
        public SessionRecord Record => inner.Record with { Streams = streams };
        public IReadOnlyList<ChunkInfo> Chunks => inner.Chunks;
        public bool TryReadChunk(ChunkInfo chunk, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IReadOnlyList<Sample>? samples,
            [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out ChunkProblem? problem) => inner.TryReadChunk(chunk, out samples, out problem);
    }

    [Fact]
    public void Export_WithoutGeometry_NoGeometryTopics()
    {
        using var output = new MemoryStream();
        var result = SessionMcapExporter.Export(new PulledFolderSessionSource(_session.Folder), output);

        Assert.DoesNotContain(result.MessageCounts.Keys, t => t == "/tf" || t.EndsWith("/calibration", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dataset_WithGeometry_MetadataHasEachSensorsPoseAndTheCamerasLens_WithoutNoGeometryMember()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"edgerig-geometry-{Guid.NewGuid():N}"), plain = folder + "-plain";
        try
        {
            await DatasetExporter.ExportAsync(new PulledFolderSessionSource(_session.Folder), folder, new DatasetOptions { Geometry = Geometry() });
            await DatasetExporter.ExportAsync(new PulledFolderSessionSource(_session.Folder), plain);

            var geometry = DatasetMetadata.Load(folder).Geometry!;
            Assert.Equal(("test", "rig"), (geometry.Source, geometry.RootFrame));
            Assert.Equal(["cam0", "lidar0", "not-exported"], geometry.Sensors.Select(g => g.Stream));
            var cam = geometry.Sensors[0];
            Assert.Equal(("cam0_link", 640, 480, 500.0, 490.0), (cam.FrameId, cam.Camera!.Width, cam.Camera.Height, cam.Camera.Fx, cam.Camera.Fy));
            Assert.Equal(Lens.Distortion, cam.Camera.Distortion);
            Assert.Equal([0, 0.1, -0.05], geometry.Sensors[1].TranslationM!);
            Assert.Null(geometry.Sensors[1].Camera);
            Assert.DoesNotContain("\"geometry\"", File.ReadAllText(Path.Combine(plain, DatasetMetadata.FileName)));
            Assert.False(Directory.Exists(Path.Combine(plain, "projections")));

            // every cam0 row's nearest scan projected: of the 12 points 30° apart, those at 0 and ±30° are in front and in the image
            string table = Path.Combine(folder, "projections", "lidar0_in_cam0.parquet");
            var (frameRow, scanRow, point) = (await ParquetColumns.ReadAsync<long>(table, "frame_row"), await ParquetColumns.ReadAsync<long>(table, "scan_row"),
                await ParquetColumns.ReadAsync<int>(table, "point"));
            var (u, v, depth) = (await ParquetColumns.ReadAsync<double>(table, "u"), await ParquetColumns.ReadAsync<double>(table, "v"), await ParquetColumns.ReadAsync<double>(table, "depth_m"));
            Assert.Equal(3 * SyntheticSessionFolder.Plan["cam0"].Count, frameRow.Length);
            Assert.Equal([0, 1, 11], point.Take(3));
            var projection = LidarProjection.For(Geometry(), "cam0", "lidar0")!;
            var frameRows = await ParquetColumns.ReadNullableAsync<long>(Path.Combine(folder, "frames.parquet"), "lidar0_row");
            for (int r = 0; r < frameRow.Length; r++)
            {
                Assert.Equal(frameRows[frameRow[r]], scanRow[r]);
                Assert.True(projection.TryProject((float)(2 * Math.PI * point[r] / SyntheticSessionFolder.LidarPoints), 1.5f + point[r] + scanRow[r], out var p));
                Assert.Equal((p.U, p.V, p.DepthM), (u[r], v[r], depth[r]));
            }
            Assert.Contains(DatasetMetadata.Load(folder).Tables, t => t.Path == "projections/lidar0_in_cam0.parquet");
        }
        finally
        {
            foreach (var d in new[] { folder, plain })
                if (Directory.Exists(d)) Directory.Delete(d, recursive: true);
        }
    }

    [Fact]
    public void Project_PointStraightAheadOfTheLidar_LandsWhereTheLensPutsIt()
    {
        var projection = LidarProjection.For(Geometry(), "cam0", "lidar0")!;

        // 2 m along the LIDAR's x (the rig's x) is (0, 0.05, 2) in the camera's optical frame (x right = -rig y, y down =
        // -rig z, z forward = rig x): normalised (0, 0.025), then OpenCV's distortion worked by hand with x = 0:
        // x' = p2·r², y' = y·(1 + k1 r² + k2 r⁴ + k3 r⁶) + p1·(r² + 2y²)
        Assert.True(projection.TryProject(0, 2, out var p));
        double r2 = 0.025 * 0.025, radial = 1 + r2 * (-0.1 + r2 * (0.02 + r2 * 0.003));
        double x = -0.002 * r2, y = 0.025 * radial + 0.001 * (r2 + 2 * r2);
        Assert.Equal(320 + 500 * x, p.U, 9);
        Assert.Equal(240 + 490 * y, p.V, 9);
        Assert.Equal(2, p.DepthM, 12);
        Assert.False(projection.TryProject(Math.PI, 2, out _)); // behind the camera
        Assert.False(projection.TryProject(1.2, 2, out _)); // 69° to the side: in front, but outside the image
        Assert.False(projection.TryProject(0, 0, out _)); // no return
    }
}
