using System.Buffers.Binary;
using EdgeRig.Core;
using EdgeRig.Vision.Spatial;

namespace EdgeRig.Vision.Tests.Spatial;

public sealed class LidarPlaneSolverTests
{
    private const int PointsPerScan = 1440;
    private const double ScanNs = 100e6;

    /// <summary>One revolution: 3 m of room all round, and the board (a wall 0.75 m ahead, ±15° of bearing zero) when held up.</summary>
    private static Sample Scan(long k, bool board)
    {
        var payload = new byte[PointsPerScan * 13];
        for (int i = 0; i < PointsPerScan; i++)
        {
            double angle = 2 * Math.PI * i / PointsPerScan, bearing = Math.IEEERemainder(angle, 2 * Math.PI);
            double range = board && Math.Abs(bearing) < 15 * Math.PI / 180 ? 0.75 / Math.Cos(bearing) : 3.0;
            var span = payload.AsSpan(i * 13);
            BinaryPrimitives.WriteSingleLittleEndian(span, (float)angle);
            BinaryPrimitives.WriteSingleLittleEndian(span[4..], (float)range);
            BinaryPrimitives.WriteUInt32LittleEndian(span[9..], (uint)(ScanNs * i / PointsPerScan));
        }
        return new Sample(new StreamId("lidar0"), k, default, default, new RigTimestamp(new RigTime((long)(k * ScanNs)), Duration.Zero), payload);
    }

    [Fact]
    public void Views_BoardStraightAheadMostOfTheSession_WholeLineAcrossBearingZero()
    {
        // the board is up in 8 scans of 10 (as a lab holds it in front of the rig all session), so the scene behind it is the far range
        var scans = Enumerable.Range(0, 100).Select(k => Scan(k, k % 10 < 8)).ToList();
        var still = new StillRun([.. Enumerable.Range(0, 6).Select(i => new BoardPose(i, 1.5e9 + i * 0.1e9, new RigidTransform(Rotation3.Identity, new Vec3(0, 0, 0.75)), []))]);
        var views = LidarPlaneSolver.Views(scans, default, [still], 0);
        Assert.NotEmpty(views);
        int onBoard = Enumerable.Range(0, PointsPerScan).Count(i => Math.Abs(Math.IEEERemainder(2 * Math.PI * i / PointsPerScan, 2 * Math.PI)) < 15 * Math.PI / 180);
        foreach (var (_, view) in views)
        {
            // every bearing on the board but the two ends, on both sides of bearing zero
            Assert.Equal(onBoard - 2, view.Points.Count);
            Assert.Contains(view.Points, p => p.Y > 0.15);
            Assert.Contains(view.Points, p => p.Y < -0.15);
        }
    }
}
