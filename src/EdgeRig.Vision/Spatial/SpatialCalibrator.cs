using System.Globalization;
using EdgeRig.Calibration;
using EdgeRig.Calibration.Profiles;
using EdgeRig.Calibration.Stimulus;
using EdgeRig.Core;
using OpenCvSharp;

namespace EdgeRig.Vision.Spatial;

/// <summary>Choices of a spatial run that are not the rig file's: which camera anchors the others, how many views feed CalibrateCamera.</summary>
public sealed record SpatialRunOptions
{
    /// <summary>The camera whose design pose (rig file mount) anchors every other frame; null: the first camera calibrated.</summary>
    public string? ReferenceStream { get; init; }

    /// <summary>Distinct board views given to CalibrateCamera, spread over the recording (more cost more and add little).</summary>
    public int MaxIntrinsicViews { get; init; } = 60;

    /// <summary>Views whose corners lie closer than this (mean, px) to a view already kept are the same view held still.</summary>
    public double DistinctViewPx { get; init; } = 10;
}

/// <summary>
/// The whole spatial solve over a recorded calibration session (the board held in front of the rig, then the rig turned with
/// the board held still): each camera's lens (CalibrateCamera), every other camera's pose from the reference camera
/// (StereoCalibrate on still views seen by both), each LIDAR's (board planes, <see cref="LidarPlaneSolver"/>) and each IMU's
/// rotation (<see cref="GyroRotationSolver"/>). Tolerances and view counts are the rig file's calibration.spatial.
/// </summary>
public static class SpatialCalibrator
{
    /// <summary>Calibrates from a recorded session (damaged chunks are skipped, as every reader does).</summary>
    public static SpatialReport Calibrate(ISessionSource session, RigProfile rig, SpatialRunOptions? options = null) =>
        Calibrate(SessionStreams.Read(session).Streams, rig, options);

    /// <exception cref="ArgumentException">the rig file names no board.</exception>
    public static SpatialReport Calibrate(IReadOnlyList<RecordedStream> streams, RigProfile rig, SpatialRunOptions? options = null)
    {
        var o = options ?? new SpatialRunOptions();
        var board = ChessboardSpec.Of(rig);
        var settings = rig.Calibration.Spatial;
        var failures = new List<SpatialFailure>();
        var withSamples = streams.Where(s => s.Samples.Count > 0).ToList();
        if (withSamples.Count == 0) return new SpatialReport("", [], [], [new(SpatialFailure.TooFewTargetViews, "", "the session has no samples")], 0);
        var origin = withSamples.Min(s => s.Samples.Min(x => x.Rig.Time));

        var lenses = new List<CameraLensCalibration>();
        var cameras = new Dictionary<string, (RecordedStream Stream, IReadOnlyList<BoardPose> Poses, IReadOnlyList<StillRun> Runs, CameraLensCalibration Lens)>();
        foreach (var camera in withSamples.Where(s => s.Descriptor.Modality == Modality.Camera))
        {
            string id = camera.Descriptor.Id.Value;
            int width = Parameter(camera.Descriptor, "width"), height = Parameter(camera.Descriptor, "height");
            var found = ChessboardDetector.Detect(camera.Samples.OrderBy(s => s.Rig.Time), origin, board);
            if (found.Detections.Count == 0)
            {
                failures.Add(new(SpatialFailure.TargetNeverFullyVisible, id,
                    $"the whole board ({board.Columns}x{board.Rows} inner corners) was in none of {found.FramesRead} frames ({found.Partial} showed part of it); hold all of it inside the image"));
                continue;
            }
            int held = HeldViews(found.Detections, camera.Descriptor.NominalPeriod.Nanoseconds);
            if (held < settings.MinViews)
            {
                failures.Add(new(SpatialFailure.TooFewTargetViews, id, $"the board was held still at {held} positions, need {settings.MinViews} (calibration.spatial.minViews); hold it at more positions and tilts"));
                continue;
            }
            var chosen = Spread(DistinctViews(found.Detections, o.DistinctViewPx), o.MaxIntrinsicViews);
            var estimate = IntrinsicsSolver.Solve(chosen, board, width, height);
            var k = estimate.Intrinsics;
            double focalSigmaPercent = 100 * Math.Max(estimate.StandardDeviations[0] / k.Fx, estimate.StandardDeviations[1] / k.Fy);
            if (!(estimate.RmsPx <= settings.MaxReprojectionRmsPx))
                failures.Add(new(SpatialFailure.OutOfTolerance, id, $"reprojection RMS {estimate.RmsPx:0.000} px over {settings.MaxReprojectionRmsPx} px (calibration.spatial.maxReprojectionRmsPx)"));
            if (!(focalSigmaPercent <= settings.MaxFocalSigmaPercent))
                failures.Add(new(SpatialFailure.OutOfTolerance, id, $"focal length uncertain by {focalSigmaPercent:0.000} % (1 sigma), over {settings.MaxFocalSigmaPercent} % (calibration.spatial.maxFocalSigmaPercent); add tilted views near the image corners"));
            var lens = new CameraLensCalibration(id, camera.Descriptor.DeviceId, width, height, k, estimate.StandardDeviations, estimate.RmsPx, estimate.Views);
            lenses.Add(lens);
            var poses = BoardPoses.Estimate(found.Detections, board, k);
            cameras[id] = (camera, poses, BoardPoses.StillRuns(poses, camera.Descriptor.NominalPeriod.Nanoseconds), lens);
        }

        string reference = o.ReferenceStream ?? lenses.FirstOrDefault()?.Stream ?? "";
        if (!cameras.TryGetValue(reference, out var refCamera))
        {
            if (o.ReferenceStream is not null && lenses.Count > 0) failures.Add(new(SpatialFailure.Unsolvable, reference, "the reference camera was not calibrated"));
            return new SpatialReport(reference, lenses, [], failures, 0);
        }
        var rigFromReference = DesignPose(rig, refCamera.Stream.Descriptor);
        var frames = new List<SensorFrameCalibration>
        {
            Frame(refCamera.Stream.Descriptor, rigFromReference, "reference (rig file mount)", refCamera.Lens.ReprojectionRmsPx, "px", refCamera.Lens.Views),
        };

        foreach (var (id, other) in cameras.Where(c => c.Key != reference))
        {
            var pairs = StereoPairs(refCamera.Runs, other.Runs, refCamera.Stream.Descriptor.NominalPeriod.Nanoseconds);
            if (pairs.Count < settings.MinLidarViews)
            {
                failures.Add(new(SpatialFailure.TooFewTargetViews, id, $"{pairs.Count} still board views seen by both {reference} and {id}, need {settings.MinLidarViews} (calibration.spatial.minLidarViews)"));
                continue;
            }
            var (otherFromReference, rms) = Stereo(pairs, board, refCamera.Lens, other.Lens);
            frames.Add(Frame(other.Stream.Descriptor, rigFromReference * otherFromReference.Inverse(), $"stereo with {reference}", rms, "px", pairs.Count));
        }

        foreach (var lidar in withSamples.Where(s => s.Descriptor.Modality == Modality.Lidar))
        {
            string id = lidar.Descriptor.Id.Value;
            var views = LidarPlaneSolver.Views(lidar.Samples, origin, refCamera.Runs, 150e6);
            int distinct = views.Select(v => v.Run).Distinct().Count();
            if (distinct < settings.MinLidarViews)
            {
                failures.Add(new(SpatialFailure.TooFewTargetViews, id, $"the scan crossed the still board in {distinct} views seen by {reference}, need {settings.MinLidarViews} (calibration.spatial.minLidarViews); hold the board across the LIDAR's scan plane"));
                continue;
            }
            try
            {
                var fit = LidarPlaneSolver.Solve([.. views.Select(v => v.View)], distinct);
                if (!(fit.PlaneRmsM * 1000 <= settings.MaxLidarPlaneRmsMm))
                    failures.Add(new(SpatialFailure.OutOfTolerance, id, $"board points lie {fit.PlaneRmsM * 1000:0.0} mm RMS off the camera's board plane, over {settings.MaxLidarPlaneRmsMm} mm (calibration.spatial.maxLidarPlaneRmsMm)"));
                frames.Add(Frame(lidar.Descriptor, rigFromReference * fit.CameraFromLidar, $"board planes seen by {reference}", fit.PlaneRmsM * 1000, "mm", distinct));
            }
            catch (InvalidOperationException e)
            {
                failures.Add(new(SpatialFailure.Unsolvable, id, $"{e.Message}; tilt the board differently between views"));
            }
        }

        double lag = 0;
        foreach (var imu in withSamples.Where(s => s.Descriptor.Modality == Modality.Imu))
        {
            string id = imu.Descriptor.Id.Value;
            try
            {
                var fit = GyroRotationSolver.Solve(refCamera.Poses, imu.Samples, origin, refCamera.Stream.Descriptor.NominalPeriod.Nanoseconds, settings.MinRotationRateRadPerS);
                lag = fit.LagNs;
                if (!(fit.ResidualRadPerS <= settings.MaxImuResidualRadPerS))
                    failures.Add(new(SpatialFailure.OutOfTolerance, id, $"gyro and camera rates differ by {fit.ResidualRadPerS:0.000} rad/s RMS after the fit, over {settings.MaxImuResidualRadPerS} (calibration.spatial.maxImuResidualRadPerS)"));
                var design = DesignPose(rig, imu.Descriptor);
                var rotation = (rigFromReference.Rotation * fit.CameraFromImu).Normalized();
                frames.Add(Frame(imu.Descriptor, new RigidTransform(rotation, design.Translation), $"gyro vs {reference} rates (rotation; translation from the rig file)", fit.ResidualRadPerS, "rad/s", fit.Pairs));
            }
            catch (GyroRotationSolver.MotionTooSmallException e)
            {
                failures.Add(new(SpatialFailure.MotionTooSmall, id, e.Message));
            }
        }
        return new SpatialReport(reference, lenses, frames, failures, lag);
    }

    private static SensorFrameCalibration Frame(StreamDescriptor d, RigidTransform rigFromSensor, string method, double residual, string unit, int views) =>
        new(d.Id.Value, d.DeviceId, d.FrameId, SensorPose.From(rigFromSensor), method, residual, unit, views);

    /// <summary>The rig file's design pose of the stream's device (identity for a device it does not list).</summary>
    private static RigidTransform DesignPose(RigProfile rig, StreamDescriptor d) =>
        rig.Devices.FirstOrDefault(x => x.Id == d.DeviceId) is { } device ? DeviceGeometry.RigFromSensor(device) : RigidTransform.Identity;

    private static int Parameter(StreamDescriptor d, string name) =>
        d.Parameters.TryGetValue(name, out var text) && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value
            : throw new ArgumentException($"camera stream '{d.Id}' has no '{name}' parameter (the image size)");

    /// <summary>
    /// How many times the board was held still: runs of 4 or more consecutive detections (no frame missing) whose corners
    /// move less than half a pixel between frames. What a lab is asked for; frames taken while the board moves are usable
    /// views in the solve, but a real camera blurs them, so they do not count toward the minimum.
    /// </summary>
    private static int HeldViews(IReadOnlyList<BoardDetection> detections, double periodNs)
    {
        int runs = 0, length = 1;
        for (int i = 1; i <= detections.Count; i++)
        {
            bool still = i < detections.Count && detections[i].TimeNs - detections[i - 1].TimeNs <= 1.5 * periodNs
                && MeanDistance(detections[i].Corners, detections[i - 1].Corners) < 0.5;
            if (still) { length++; continue; }
            if (length >= 4) runs++;
            length = 1;
        }
        return runs;
    }

    /// <summary>Detections that differ from every one kept before by more than <paramref name="px"/> (mean corner distance).</summary>
    private static List<BoardDetection> DistinctViews(IReadOnlyList<BoardDetection> detections, double px)
    {
        var kept = new List<BoardDetection>();
        foreach (var d in detections)
            if (kept.All(k => MeanDistance(k.Corners, d.Corners) > px)) kept.Add(d);
        return kept;
    }

    private static double MeanDistance(Point2f[] a, Point2f[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += a[i].DistanceTo(b[i]);
        return sum / a.Length;
    }

    private static List<T> Spread<T>(IReadOnlyList<T> items, int max) =>
        items.Count <= max ? [.. items] : [.. Enumerable.Range(0, max).Select(i => items[(int)((long)i * items.Count / max)])];

    /// <summary>For each still run of the reference camera, the other camera's still frame nearest its middle (both still together).</summary>
    private static List<(BoardPose Reference, BoardPose Other)> StereoPairs(IReadOnlyList<StillRun> reference, IReadOnlyList<StillRun> other, double periodNs)
    {
        var pairs = new List<(BoardPose, BoardPose)>();
        foreach (var run in reference)
        {
            var middle = run.Middle;
            var match = other.Where(r => r.StartNs <= middle.TimeNs + periodNs && r.EndNs >= middle.TimeNs - periodNs)
                .SelectMany(r => r.Poses).MinBy(p => Math.Abs(p.TimeNs - middle.TimeNs));
            if (match is not null && Math.Abs(match.TimeNs - middle.TimeNs) <= 1.5 * periodNs) pairs.Add((middle, match));
        }
        return pairs;
    }

    /// <summary>T_other_reference by StereoCalibrate with both lenses fixed, and its RMS reprojection error.</summary>
    private static (RigidTransform OtherFromReference, double RmsPx) Stereo(List<(BoardPose Reference, BoardPose Other)> pairs, ChessboardSpec board, CameraLensCalibration reference, CameraLensCalibration other)
    {
        var objectPoints = board.ObjectPoints();
        static double[,] Matrix(CameraIntrinsics k) => new[,] { { k.Fx, 0, k.Cx }, { 0, k.Fy, k.Cy }, { 0, 0, 1 } };
        using var r = new Mat();
        using var t = new Mat();
        using var e = new Mat();
        using var f = new Mat();
        double rms = Cv2.StereoCalibrate(pairs.Select(_ => (IEnumerable<Point3f>)objectPoints), pairs.Select(p => (IEnumerable<Point2f>)p.Reference.Corners),
            pairs.Select(p => (IEnumerable<Point2f>)p.Other.Corners), Matrix(reference.Intrinsics), reference.Intrinsics.Distortion, Matrix(other.Intrinsics), other.Intrinsics.Distortion,
            new Size(reference.Width, reference.Height), r, t, e, f, CalibrationFlags.FixIntrinsic, new TermCriteria(CriteriaTypes.Count | CriteriaTypes.Eps, 100, 1e-10));
        var m = new double[3, 3];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) m[i, j] = r.At<double>(i, j);
        return (new RigidTransform(Rotation3.FromMatrix(m), new Vec3(t.At<double>(0), t.At<double>(1), t.At<double>(2))), rms);
    }
}
