using EdgeRig.Core;
using EdgeRig.Vision.Spatial;
using OpenCvSharp;
using static EdgeRig.Vision.Tests.Spatial.SyntheticBoard;

namespace EdgeRig.Vision.Tests.Spatial;

public sealed class IntrinsicsSolverTests
{
    /// <summary>Twelve views, near and far, tilted both ways, with 0.05 px of seeded corner noise.</summary>
    private static List<BoardDetection> Views()
    {
        var noise = new Random(19);
        float Noise() => (float)((noise.NextDouble() - 0.5) * 0.17);
        return [.. Enumerable.Range(0, 12).Select(v => new BoardDetection(v, v * 1e9,
            [.. Corners(new Vec3(0.5 * Math.Sin(v), 0.5 * Math.Cos(1.7 * v), 0.1 * Math.Sin(3 * v)), new Vec3(-0.16 + 0.05 * Math.Sin(2 * v), -0.1 + 0.04 * Math.Cos(v), 0.5 + 0.07 * v))
                .Select(p => new Point2f(p.X + Noise(), p.Y + Noise()))]))];
    }

    [Fact]
    public void Solve_OneViewWithARowFromTheNextSquares_LeftOutAndTheLensRecovered()
    {
        var views = Views();
        ShiftRow(views[5].Corners, 2);
        var estimate = IntrinsicsSolver.Solve(views, Board, 640, 480);
        Assert.Equal(11, estimate.Views);
        Assert.True(estimate.RmsPx < 0.1, $"reprojection RMS {estimate.RmsPx} px");
        Assert.InRange(estimate.Intrinsics.Fx / Lens.Fx, 0.998, 1.002);
        Assert.InRange(estimate.Intrinsics.Cx, Lens.Cx - 1, Lens.Cx + 1);
    }
}
