using EdgeRig.Core;
using EdgeRig.Vision.Spatial;
using static EdgeRig.Vision.Tests.Spatial.SyntheticBoard;

namespace EdgeRig.Vision.Tests.Spatial;

public sealed class BoardPosesTests
{
    [Fact]
    public void Estimate_RowOfCornersFromTheNextSquares_NoPoseForThatDetection()
    {
        var (rotation, translation) = (new Vec3(0.3, -0.2, 0.05), new Vec3(-0.16, -0.1, 0.8));
        var misdetected = Corners(new Vec3(-0.2, 0.25, 0), translation);
        ShiftRow(misdetected, 2); // ~8 px RMS over the board
        var poses = BoardPoses.Estimate([new BoardDetection(1, 0, Corners(rotation, translation)), new BoardDetection(2, 50e6, misdetected)], Board, Lens);
        var pose = Assert.Single(poses);
        Assert.Equal(1, pose.Sequence);
        Assert.True(pose.CameraFromBoard.Rotation.AngleTo(Rotation3.FromRotationVector(rotation)) < 1e-3);
        Assert.True((pose.CameraFromBoard.Translation - translation).Length < 1e-4);
    }
}
