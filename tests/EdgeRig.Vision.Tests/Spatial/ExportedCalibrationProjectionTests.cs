using EdgeRig.Calibration.Profiles;
using EdgeRig.Calibration.Stimulus;
using EdgeRig.Core;
using EdgeRig.Devices.Simulation;
using EdgeRig.Export;
using EdgeRig.Vision.Spatial;
using OpenCvSharp;
using Xunit.Abstractions;

namespace EdgeRig.Vision.Tests.Spatial;

/// <summary>
/// Issue #19's must-hold for exports: an MCAP export of a calibrated session, read back alone, puts the LIDAR points that hit
/// the board onto the board in the reference camera's image, in at least 99 % of the frames matched to a scan.
/// </summary>
public sealed class ExportedCalibrationProjectionTests(ITestOutputHelper output)
{
    private const string Camera = "cam0", Lidar = "lidar0";

    [Fact]
    public void Export_CalibratedSession_LidarBoardHitsProjectInsideTheBoardsImageRegion()
    {
        var rig = SpatialSessions.Rig(SpatialSessions.Root(), 1);
        var streams = SpatialSessions.Record(rig);
        var report = SpatialCalibrator.Calibrate(streams, rig);
        Assert.True(report.Passed, string.Join("; ", report.Failures));
        Assert.Equal(Camera, report.ReferenceStream);

        var scene = ExportedScene.Read(ExportWithProfile(streams, rig, report), Camera, Lidar);
        // the file carries the solve (not the rig file's design values, which in the simulation are the truth)
        Assert.Equal(report.Cameras.Single(c => c.Stream == Camera).Intrinsics, scene.Lens);
        var solved = report.Frames.Single(f => f.Stream == Lidar).RigFromSensor.ToTransform();
        Assert.True(solved.Rotation.AngleTo(scene.RigFromLidar.Rotation) < 1e-9 && (solved.Translation - scene.RigFromLidar.Translation).Length < 1e-12,
            "the exported LIDAR pose is not the solved one");

        var truth = new BoardTruth(rig, Camera, Lidar);
        var exported = truth.Check(scene, scene.RigFromLidar);
        // the same check with the LIDAR turned 2° about its spin axis: the scan line slides along the board, past its edges
        var turned = scene.RigFromLidar * new RigidTransform(Rotation3.FromRotationVector(new Vec3(0, 0, 2 * Math.PI / 180)), Vec3.Zero);
        var wrong = truth.Check(scene, turned);
        output.WriteLine($"exported calibration: {exported}");
        output.WriteLine($"LIDAR turned 2 deg:   {wrong}");

        Assert.True(exported.Matched >= 10, $"only {exported.Matched} matched frames with the board still and fully in view");
        Assert.True(exported.Points >= 50 * exported.Matched, $"only {exported.Points} board points in {exported.Matched} frames");
        Assert.True(exported.Share >= 0.99, $"{exported}");
        Assert.True(wrong.Share < 0.5, $"a LIDAR pose 2 deg off still passes: {wrong}");
    }

    /// <summary>The MCAP as the product writes it for this session with the solve saved as a profile (`calibrate spatial
    /// --save-as`, kept as JSON) and applied to the export (`export --calibration`).</summary>
    private static byte[] ExportWithProfile(IReadOnlyList<RecordedStream> streams, RigProfile rig, SpatialReport report)
    {
        var draft = CalibrationProfile.SpatialDraft(null, "projection", rig.Name, report.ToProfileSection(), "test", "", DateTimeOffset.UnixEpoch);
        var profile = CalibrationProfile.FromJson(draft.ToJson());
        var source = new RecordedSessionSource("projection", rig.Name, streams);
        var calibration = CalibrationApplier.ForSession(profile, source.Record, "projection (test)");
        using var mcap = new MemoryStream();
        SessionExport.Prepare(source, new SessionExportOptions { Streams = [Camera, Lidar], Calibration = calibration }).WriteMcap(mcap);
        return mcap.ToArray();
    }

    /// <summary>How one LIDAR pose did: frames matched (board still and fully in view, hit by the scan), those whose every
    /// board point landed inside, the board points, the fewest in one frame, and the farthest a point fell outside (px).</summary>
    private sealed record Outcome(int Matched, int Passed, int Points, int FewestPoints, double WorstMissPx)
    {
        public double Share => Matched == 0 ? 0 : (double)Passed / Matched;

        public override string ToString() =>
            $"{Matched} matched frames, {Points} board points (fewest {FewestPoints}), {Passed} passed: share {Share:0.0000}, worst miss {WorstMissPx:0.00} px";
    }

    /// <summary>
    /// The simulation's truth about the board (its scripted pose, the true mounts and cam0's true lens), against which the
    /// exported projection is judged: which scan points truly hit the board, and the board's outline in the true image.
    /// </summary>
    private sealed class BoardTruth
    {
        private const double TolerancePx = 2;
        private const double RangeNoiseM = 0.015; // the simulated LIDAR's ±10 mm, and its float32 ranges
        private const double TimeMarginSeconds = 0.1; // rig time against the world's true time: link latency and clock mapping
        private const int OutlineSamplesPerEdge = 64; // the lens bends the board's straight edges

        private readonly SimulatedTarget _target;
        private readonly CameraIntrinsics _lens;
        private readonly int _width, _height;
        private readonly RigidTransform _cameraFromRig, _rigFromLidar;
        private readonly double _scanSeconds;

        public BoardTruth(RigProfile rig, string camera, string lidar)
        {
            var device = rig.Devices.ToDictionary(d => d.StreamName);
            _target = new SimulatedTarget(rig.World.Target!);
            _lens = SimulatedGeometry.IntrinsicsOf(device[camera]);
            (_width, _height) = (device[camera].Width, device[camera].Height);
            _cameraFromRig = SimulatedGeometry.RigFromSensor(device[camera]).Inverse();
            _rigFromLidar = SimulatedGeometry.RigFromSensor(device[lidar]);
            _scanSeconds = 1 / device[lidar].RateHz;
        }

        /// <summary>Each camera frame's nearest scan (as the dataset matches them), its true board hits projected with the
        /// exported lens, the exported camera pose and <paramref name="rigFromLidar"/>, against the board's true outline.</summary>
        public Outcome Check(ExportedScene scene, RigidTransform rigFromLidar)
        {
            var cameraFromLidar = scene.RigFromCamera.Inverse() * rigFromLidar;
            var k = new double[,] { { scene.Lens.Fx, 0, scene.Lens.Cx }, { 0, scene.Lens.Fy, scene.Lens.Cy }, { 0, 0, 1 } };
            var r = cameraFromLidar.Rotation.ToRotationVector();
            var t = cameraFromLidar.Translation;
            int matched = 0, passed = 0, points = 0, fewest = int.MaxValue;
            double worst = 0;
            foreach (long frameNs in scene.FrameNs)
            {
                var scan = scene.Scans.MinBy(s => Math.Abs(s.RigNs - frameNs))!;
                double frameAt = Seconds(frameNs), scanAt = Seconds(scan.RigNs);
                if (!Still(Math.Min(frameAt, scanAt) - TimeMarginSeconds, Math.Max(frameAt, scanAt) + _scanSeconds + TimeMarginSeconds)) continue;
                if (Outline(frameAt) is not { } outline) continue;
                var hits = BoardHits(scan, scanAt);
                if (hits.Length == 0) continue;
                Cv2.ProjectPoints(hits, [r.X, r.Y, r.Z], [t.X, t.Y, t.Z], k, scene.Lens.Distortion, out var pixels, out _);
                double miss = pixels.Max(p => Miss(p.X, p.Y, outline));
                (matched, points, fewest, worst) = (matched + 1, points + hits.Length, Math.Min(fewest, hits.Length), Math.Max(worst, miss));
                if (miss <= TolerancePx) passed++;
            }
            return new Outcome(matched, passed, points, matched == 0 ? 0 : fewest, worst);
        }

        private static double Seconds(long rigNs) => (rigNs - SpatialSessions.ScriptStart.Nanoseconds) / 1e9;

        /// <summary>Whether the board is held at one keyframe through [from, to] while the rig does not sway.</summary>
        private bool Still(double from, double to)
        {
            var p = _target.Profile;
            bool held = p.Path.Any(k => from >= k.AtSeconds && to <= k.AtSeconds + k.HoldSeconds);
            bool swaying = p.RigSway is { } w && to > w.AtSeconds && from < w.AtSeconds + w.DurationSeconds;
            return held && !swaying;
        }

        private RigidTransform WorldFromRig(double seconds) => new(_target.WorldFromRig(seconds), Vec3.Zero);

        /// <summary>The board's edge (its physical extent) in the true image at <paramref name="seconds"/>; null unless all of it is in view.</summary>
        private (double U, double V)[]? Outline(double seconds)
        {
            var cameraFromBoard = _cameraFromRig * WorldFromRig(seconds).Inverse() * _target.WorldFromBoard(seconds)!.Value;
            var corners = new[] { new Vec3(_target.MinX, _target.MinY, 0), new Vec3(_target.MaxX, _target.MinY, 0), new Vec3(_target.MaxX, _target.MaxY, 0), new Vec3(_target.MinX, _target.MaxY, 0) };
            var outline = new List<(double U, double V)>();
            for (int e = 0; e < 4; e++)
                for (int i = 0; i < OutlineSamplesPerEdge; i++)
                {
                    var (a, b) = (corners[e], corners[(e + 1) % 4]);
                    if (_lens.Project(cameraFromBoard.Apply(a + (double)i / OutlineSamplesPerEdge * (b - a))) is not var (u, v)) return null;
                    if (u < 0 || v < 0 || u > _width - 1 || v > _height - 1) return null;
                    outline.Add((u, v));
                }
            return [.. outline];
        }

        /// <summary>The scan's points (in the LIDAR frame, as measured) whose beam truly meets the board within its extent, at the range it meets it.</summary>
        private Point3f[] BoardHits(ExportedScan scan, double seconds)
        {
            var boardFromLidar = _target.WorldFromBoard(seconds)!.Value.Inverse() * WorldFromRig(seconds) * _rigFromLidar;
            var hits = new List<Point3f>();
            for (int i = 0; i < scan.AnglesRad.Length; i++)
            {
                var beam = new Vec3(Math.Cos(scan.AnglesRad[i]), Math.Sin(scan.AnglesRad[i]), 0);
                var (origin, direction) = (boardFromLidar.Translation, boardFromLidar.Rotation.Apply(beam));
                if (Math.Abs(direction.Z) < 1e-9) continue;
                double s = -origin.Z / direction.Z;
                var hit = origin + s * direction;
                if (s <= 0 || _target.Shade(hit.X, hit.Y) < 0 || Math.Abs(scan.RangesM[i] - s) > RangeNoiseM) continue;
                var p = scan.RangesM[i] * beam;
                hits.Add(new Point3f((float)p.X, (float)p.Y, (float)p.Z));
            }
            return [.. hits];
        }

        /// <summary>How far (px) a pixel lies outside a closed outline; 0 inside it.</summary>
        private static double Miss(double u, double v, (double U, double V)[] outline)
        {
            bool inside = false;
            double nearest = double.MaxValue;
            for (int i = 0, j = outline.Length - 1; i < outline.Length; j = i++)
            {
                var (a, b) = (outline[j], outline[i]);
                if ((a.V > v) != (b.V > v) && u < a.U + (v - a.V) * (b.U - a.U) / (b.V - a.V)) inside = !inside;
                double du = b.U - a.U, dv = b.V - a.V;
                double f = Math.Clamp(((u - a.U) * du + (v - a.V) * dv) / (du * du + dv * dv), 0, 1);
                nearest = Math.Min(nearest, Math.Sqrt(Math.Pow(u - a.U - f * du, 2) + Math.Pow(v - a.V - f * dv, 2)));
            }
            return inside ? 0 : nearest;
        }
    }
}
