using EdgeRig.Core;
using EdgeRig.Vision.Spatial;
using OpenCvSharp;

namespace EdgeRig.Vision.Tests.Spatial;

/// <summary>The simulated rig's board (9x6 inner corners, 40 mm) and cam0's lens, and the board's corners projected through it.</summary>
public static class SyntheticBoard
{
    public static readonly ChessboardSpec Board = new(9, 6, 0.04);
    public static readonly CameraIntrinsics Lens = new() { Fx = 560, Fy = 558, Cx = 322.5, Cy = 238.7, K1 = -0.12, K2 = 0.08, P1 = 0.0008, P2 = -0.0005, K3 = -0.02 };

    /// <summary>The inner corners (px) of the board posed by a rotation vector and a translation (m) in the camera.</summary>
    public static Point2f[] Corners(Vec3 rotationVector, Vec3 translation)
    {
        var k = new double[,] { { Lens.Fx, 0, Lens.Cx }, { 0, Lens.Fy, Lens.Cy }, { 0, 0, 1 } };
        Cv2.ProjectPoints(Board.ObjectPoints(), [rotationVector.X, rotationVector.Y, rotationVector.Z], [translation.X, translation.Y, translation.Z], k, Lens.Distortion, out var image, out _);
        return image;
    }

    /// <summary>Moves every corner of row <paramref name="row"/> (but the last) to the next one's place: a misdetection.</summary>
    public static void ShiftRow(Point2f[] corners, int row)
    {
        for (int i = 0; i + 1 < Board.Columns; i++) corners[row * Board.Columns + i] = corners[row * Board.Columns + i + 1];
    }
}
