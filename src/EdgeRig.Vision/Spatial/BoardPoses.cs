using EdgeRig.Core;
using OpenCvSharp;

namespace EdgeRig.Vision.Spatial;

/// <summary>The board's pose in a camera's optical frame (T_camera_board) for one detection.</summary>
public sealed record BoardPose(long Sequence, double TimeNs, RigidTransform CameraFromBoard, Point2f[] Corners);

/// <summary>A stretch of consecutive frames in which the board did not move relative to the camera (the lab held it still).</summary>
public sealed record StillRun(IReadOnlyList<BoardPose> Poses)
{
    public double StartNs => Poses[0].TimeNs;
    public double EndNs => Poses[^1].TimeNs;
    public BoardPose Middle => Poses[Poses.Count / 2];
}

/// <summary>Board poses by SolvePnP with a camera's calibrated lens, and the still runs among them.</summary>
public static class BoardPoses
{
    /// <summary>
    /// The board's pose in every detection that a rigid board seen through the lens explains: a detection whose corners lie
    /// more than <paramref name="maxReprojectionRmsPx"/> (RMS) from the best pose's projection is a misdetection (corners taken
    /// from the wrong squares; the simulated rig makes a few 5-7 px ones while it sways) and has no pose. Kept, such a pose is a
    /// jump of several degrees, i.e. two wild camera rates against the gyro.
    /// </summary>
    public static IReadOnlyList<BoardPose> Estimate(IReadOnlyList<BoardDetection> detections, ChessboardSpec board, CameraIntrinsics lens, double maxReprojectionRmsPx = 1.0)
    {
        var objectPoints = board.ObjectPoints();
        var k = new double[,] { { lens.Fx, 0, lens.Cx }, { 0, lens.Fy, lens.Cy }, { 0, 0, 1 } };
        var poses = new List<BoardPose>(detections.Count);
        foreach (var d in detections)
        {
            double[] rvec = new double[3], tvec = new double[3];
            Cv2.SolvePnP(objectPoints, d.Corners, k, lens.Distortion, ref rvec, ref tvec, false, SolvePnPMethod.Iterative);
            if (!(ReprojectionRmsPx(objectPoints, d.Corners, rvec, tvec, k, lens.Distortion) <= maxReprojectionRmsPx)) continue;
            var pose = new RigidTransform(Rotation3.FromRotationVector(new Vec3(rvec[0], rvec[1], rvec[2])), new Vec3(tvec[0], tvec[1], tvec[2]));
            poses.Add(new BoardPose(d.Sequence, d.TimeNs, pose, d.Corners));
        }
        return poses;
    }

    /// <summary>The RMS distance (px) of <paramref name="corners"/> from the board's corners projected with the pose and lens given.</summary>
    internal static double ReprojectionRmsPx(Point3f[] objectPoints, Point2f[] corners, double[] rvec, double[] tvec, double[,] k, double[] distortion)
    {
        Cv2.ProjectPoints(objectPoints, rvec, tvec, k, distortion, out var projected, out _);
        double sum = 0;
        for (int i = 0; i < corners.Length; i++) sum += Math.Pow(projected[i].X - corners[i].X, 2) + Math.Pow(projected[i].Y - corners[i].Y, 2);
        return Math.Sqrt(sum / corners.Length);
    }

    /// <summary>
    /// Runs of at least <paramref name="minFrames"/> consecutive detections (no gap over 2.5 frame periods) where each frame is
    /// within <paramref name="maxMoveM"/> and <paramref name="maxTurnRad"/> of its neighbours: the board was held still.
    /// </summary>
    public static IReadOnlyList<StillRun> StillRuns(IReadOnlyList<BoardPose> poses, double framePeriodNs, int minFrames = 4, double maxMoveM = 0.001, double maxTurnRad = 0.002)
    {
        bool Close(BoardPose a, BoardPose b) =>
            b.TimeNs - a.TimeNs <= 2.5 * framePeriodNs
            && (a.CameraFromBoard.Translation - b.CameraFromBoard.Translation).Length <= maxMoveM
            && a.CameraFromBoard.Rotation.AngleTo(b.CameraFromBoard.Rotation) <= maxTurnRad;
        var runs = new List<StillRun>();
        var current = new List<BoardPose>();
        for (int i = 0; i < poses.Count; i++)
        {
            if (current.Count > 0 && !Close(current[^1], poses[i]))
            {
                if (current.Count >= minFrames) runs.Add(new StillRun(current));
                current = [];
            }
            current.Add(poses[i]);
        }
        if (current.Count >= minFrames) runs.Add(new StillRun(current));
        // the first and last frame of a run may already be moving by less than the threshold: keep the inner frames
        return [.. runs.Select(r => new StillRun([.. r.Poses.Skip(1).Take(r.Poses.Count - 2)]))];
    }
}
