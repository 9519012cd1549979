using EdgeRig.Core;
using EdgeRig.Vision.Spatial;
using OpenCvSharp;

namespace EdgeRig.Vision.Tests.Spatial;

public sealed class BoardPosesTests
{
    private static readonly ChessboardSpec Board = new(9, 6, 0.04);
    private static readonly CameraIntrinsics Lens = new() { Fx = 560, Fy = 558, Cx = 322.5, Cy = 238.7, K1 = -0.12, K2 = 0.08, P1 = 0.0008, P2 = -0.0005, K3 = -0.02 };

    /// <summary>The board's corners seen 0.8 m ahead, tilted, through <see cref="Lens"/>.</summary>
    private static Point2f[] Corners(Vec3 rotationVector)
    {
        var k = new double[,] { { Lens.Fx, 0, Lens.Cx }, { 0, Lens.Fy, Lens.Cy }, { 0, 0, 1 } };
        Cv2.ProjectPoints(Board.ObjectPoints(), [rotationVector.X, rotationVector.Y, rotationVector.Z], [-0.16, -0.1, 0.8], k, Lens.Distortion, out var image, out _);
        return image;
    }

    [Fact]
    public void Estimate_RowOfCornersFromTheNextSquares_NoPoseForThatDetection()
    {
        var clean = Corners(new Vec3(0.3, -0.2, 0.05));
        var misdetected = Corners(new Vec3(-0.2, 0.25, 0));
        // the third row's corners each taken one square along (the last one beyond the board): ~9 px RMS over the board
        for (int i = 0; i < Board.Columns; i++)
            misdetected[2 * Board.Columns + i] = i + 1 < Board.Columns ? misdetected[2 * Board.Columns + i + 1]
                : misdetected[2 * Board.Columns + i] + (misdetected[2 * Board.Columns + i] - misdetected[2 * Board.Columns + i - 1]);
        var poses = BoardPoses.Estimate([new BoardDetection(1, 0, clean), new BoardDetection(2, 50e6, misdetected)], Board, Lens);
        var pose = Assert.Single(poses);
        Assert.Equal(1, pose.Sequence);
        Assert.True(pose.CameraFromBoard.Rotation.AngleTo(Rotation3.FromRotationVector(new Vec3(0.3, -0.2, 0.05))) < 1e-3);
        Assert.True((pose.CameraFromBoard.Translation - new Vec3(-0.16, -0.1, 0.8)).Length < 1e-4);
    }
}
