using System.Buffers.Binary;
using EdgeRig.Core;
using EdgeRig.Devices.Simulation;
using EdgeRig.Timing;
using OpenCvSharp;

namespace EdgeRig.Devices.Tests.Sim;

/// <summary>The simulated world's calibration board: drawn through the camera's true lens, crossed by the LIDAR's scan plane,
/// the rig's sway on the IMU, and the truth reported per frame.</summary>
public sealed class SimulatedTargetTests
{
    private static readonly CameraIntrinsics Lens = new() { Fx = 300, Fy = 298, Cx = 161, Cy = 119, K1 = -0.15, K2 = 0.05, P1 = 0.001, P2 = -0.001 };

    private static RigProfile Rig(RigSwayProfile? sway = null) => new()
    {
        Name = "target-test",
        World = new WorldProfile
        {
            PeriodicEvents = false,
            Target = new CalibrationTargetProfile
            {
                Columns = 7, Rows = 4, SquareM = 0.03,
                Path = [new TargetKeyframe { AtSeconds = 0.2, HoldSeconds = 2, CenterM = [0.6, 0.02, -0.01], TiltDeg = [20, -15, 5] }],
                RigSway = sway,
            },
        },
        Devices =
        [
            new DeviceProfile { Id = "cam0", Kind = "camera", Width = 320, Height = 240, RateHz = 10, JpegQuality = 95, Intrinsics = Lens,
                Mount = new SensorPose { TranslationM = [0.03, 0.02, 0.01], RotationDeg = [1, -2, 3] } },
            new DeviceProfile { Id = "lidar0", Kind = "lidar", RateHz = 10, PointsPerScan = 1440, Mount = new SensorPose { TranslationM = [0, 0, -0.03], RotationDeg = [0, 2, 0] } },
            new DeviceProfile { Id = "imu0", Kind = "imu", RateHz = 100, Mount = new SensorPose { RotationDeg = [0, 0, 90] } },
        ],
    };

    [Fact]
    public void Camera_BoardHeldUp_IsDrawnWhereTheTrueLensProjectsItsCorners()
    {
        var rig = Rig();
        using var sim = new VirtualTimeRig(rig);
        var seen = new List<TargetTruth>();
        sim.World.TargetSeen += seen.Add;
        sim.StartRecording();
        sim.RunFor(Duration.FromSeconds(1.5));
        var frames = sim.StopRecording().Single(s => s.Descriptor.Modality == Modality.Camera).Samples;
        var truth = seen.Last();
        var frame = frames.Single(f => f.Sequence == truth.Sequence);
        using var grey = Cv2.ImDecode(frame.Payload.Span, ImreadModes.Grayscale);
        Assert.True(Cv2.FindChessboardCorners(grey, new Size(7, 4), out Point2f[] corners), "the board is not found in the frame");
        corners = Cv2.CornerSubPix(grey, corners, new Size(4, 4), new Size(-1, -1), new TermCriteria(CriteriaTypes.Eps | CriteriaTypes.MaxIter, 50, 0.001));
        var cameraFromBoard = truth.CameraFromBoard.ToTransform();
        var target = sim.World.Target!;
        var expected = target.Corners().Select(c => Lens.Project(cameraFromBoard.Apply(c))!.Value).ToList();
        // OpenCV may number the corners from either end of the board
        double Error(IEnumerable<Point2f> found) => found.Zip(expected, (f, e) => Math.Sqrt(Math.Pow(f.X - e.U, 2) + Math.Pow(f.Y - e.V, 2))).Max();
        double error = Math.Min(Error(corners), Error(corners.Reverse()));
        Assert.True(error < 0.3, $"corners lie up to {error:0.000} px from the true lens's projection");
        Assert.All(seen, t => Assert.Equal("cam0", t.Device));
    }

    [Fact]
    public void Camera_NoBoardInTheRigFile_ReportsNothingAndDrawsTheOldScene()
    {
        var rig = Rig() with { World = new WorldProfile { PeriodicEvents = false } };
        using var sim = new VirtualTimeRig(rig);
        Assert.Null(sim.World.Target);
        int seen = 0;
        sim.World.TargetSeen += _ => seen++;
        sim.RunFor(Duration.FromSeconds(1));
        Assert.Equal(0, seen);
    }

    [Fact]
    public void Lidar_BoardHeldUp_PointsOnTheBoardLieInItsPlane()
    {
        var rig = Rig();
        using var sim = new VirtualTimeRig(rig);
        sim.StartRecording();
        sim.RunFor(Duration.FromSeconds(1.5));
        var scans = sim.StopRecording().Single(s => s.Descriptor.Modality == Modality.Lidar).Samples;
        var sensor = sim.SensorOf(scans[0].Stream);
        var target = sim.World.Target!;
        var rigFromLidar = SimulatedGeometry.RigFromSensor(rig.Devices[1]);
        var last = scans[^1];
        var boardFromRig = target.WorldFromBoard(sim.World.SecondsAt(sensor.DeviceClock.TrueTime(last.Sequence)))!.Value.Inverse();
        var span = last.Payload.Span;
        var distances = new List<double>();
        for (int i = 0; i < span.Length / 13; i++)
        {
            double angle = BinaryPrimitives.ReadSingleLittleEndian(span[(i * 13)..]), range = BinaryPrimitives.ReadSingleLittleEndian(span[(i * 13 + 4)..]);
            if (range > 1) continue; // the room is 2 m and more away; the board 0.6 m
            var p = boardFromRig.Apply(rigFromLidar.Apply(new Vec3(range * Math.Cos(angle), range * Math.Sin(angle), 0)));
            distances.Add(Math.Abs(p.Z));
        }
        Assert.True(distances.Count > 20, $"only {distances.Count} points hit the board");
        Assert.True(distances.Max() < 0.012, $"a board point lies {distances.Max() * 1000:0.0} mm off the board plane (noise is ±10 mm along the beam)");
    }

    [Fact]
    public void Imu_RigSways_GyroReadsTheRigRateInItsMountedFrame()
    {
        var sway = new RigSwayProfile { AtSeconds = 0.5, DurationSeconds = 2, AmplitudeDeg = [5, 0, 0], FrequencyHz = [1, 1, 1] };
        var rig = Rig(sway);
        using var sim = new VirtualTimeRig(rig);
        sim.StartRecording();
        sim.RunFor(Duration.FromSeconds(2.5));
        var imu = sim.StopRecording().Single(s => s.Descriptor.Modality == Modality.Imu).Samples;
        var sensor = sim.SensorOf(imu[0].Stream);
        // mounted turned 90° about z: the rig's x rate shows on the IMU's -y axis
        double maxY = 0;
        foreach (var s in imu)
        {
            var rate = sim.World.Target!.RigRate(sim.World.SecondsAt(sensor.DeviceClock.TrueTime(s.Sequence)));
            double gx = BinaryPrimitives.ReadSingleLittleEndian(s.Payload.Span[12..]), gy = BinaryPrimitives.ReadSingleLittleEndian(s.Payload.Span[16..]);
            Assert.InRange(gy + rate.X, -0.01, 0.01);
            Assert.InRange(gx - rate.Y, -0.01, 0.01);
            maxY = Math.Max(maxY, Math.Abs(gy));
        }
        Assert.True(maxY > 0.2, $"the sway never showed on the gyro (max |gy| {maxY:0.000} rad/s)");
    }

    [Fact]
    public void GroundTruthLog_Attached_LogsDeviceGeometryAndEveryBoardFrame()
    {
        string dir = Path.Combine(Path.GetTempPath(), "edgerig-geometry-truth-" + Guid.NewGuid().ToString("N"));
        try
        {
            var rig = Rig();
            using var sim = new VirtualTimeRig(rig);
            GroundTruthLog.Attach(sim.World, rig, dir);
            int seen = 0;
            sim.World.TargetSeen += _ => seen++;
            sim.RunFor(Duration.FromSeconds(1));
            var lines = GroundTruthLog.ReadGeometry(dir);
            var devices = lines.Where(l => l.Kind == "device").Select(l => l.Device!).ToList();
            Assert.Equal(["cam0", "lidar0", "imu0"], devices.Select(d => d.Device));
            Assert.Equal(Lens, devices[0].Intrinsics);
            Assert.True((devices[1].RigFromSensor.ToTransform().Translation - new Vec3(0, 0, -0.03)).Length < 1e-12);
            Assert.True(seen > 0);
            Assert.Equal(seen, lines.Count(l => l.Kind == "target" && l.Target!.Device == "cam0"));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}
