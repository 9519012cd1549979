using EdgeRig.Core;
using EdgeRig.Vision.Spatial;
using OpenCvSharp;
using static EdgeRig.Vision.Tests.Spatial.SyntheticBoard;

namespace EdgeRig.Vision.Tests.Spatial;

/// <summary>The detector on drawn boards: near, and far enough that the half-size search cannot see the squares.</summary>
public sealed class ChessboardDetectorTests
{
    /// <summary>A 640x480 JPEG of the board (a white margin of one square) with squares <paramref name="squarePx"/> wide, its
    /// first inner corner at (<paramref name="x0"/>, <paramref name="y0"/>), on a mid-grey background.</summary>
    private static Sample Frame(int squarePx, int x0, int y0)
    {
        using var image = new Mat(480, 640, MatType.CV_8UC1, Scalar.All(110));
        Cv2.Rectangle(image, new Rect(x0 - 2 * squarePx, y0 - 2 * squarePx, (Board.Columns + 3) * squarePx, (Board.Rows + 3) * squarePx), Scalar.All(235), -1);
        for (int j = -1; j <= Board.Rows - 1; j++)
            for (int i = -1; i <= Board.Columns - 1; i++)
                if (((i + j) & 1) == 0) Cv2.Rectangle(image, new Rect(x0 + i * squarePx, y0 + j * squarePx, squarePx, squarePx), Scalar.All(20), -1);
        Cv2.ImEncode(".jpg", image, out var jpeg, new ImageEncodingParam(ImwriteFlags.JpegQuality, 95));
        return new Sample(new StreamId("cam0"), 1, default, default, new RigTimestamp(new RigTime(1_000_000), Duration.Zero), jpeg);
    }

    [Theory]
    [InlineData(30)] // about 0.75 m away on the simulated rig's lens
    [InlineData(16)] // about 1.4 m away: 8 px squares in the half-size search image
    public void Detect_BoardNearAndFar_EveryCornerInOrder(int squarePx)
    {
        const int x0 = 200, y0 = 150;
        var result = ChessboardDetector.Detect([Frame(squarePx, x0, y0)], default, Board);
        var detection = Assert.Single(result.Detections);
        for (int j = 0; j < Board.Rows; j++)
            for (int i = 0; i < Board.Columns; i++)
            {
                var corner = detection.Corners[j * Board.Columns + i];
                Assert.True(Math.Abs(corner.X - (x0 + i * squarePx)) < 0.6 && Math.Abs(corner.Y - (y0 + j * squarePx)) < 0.6, $"corner ({i}, {j}) at {corner}");
            }
    }
}
