using EdgeRig.Core;
using EdgeRig.Export.Mcap;
using EdgeRig.Export.SessionMcap.Foxglove;

namespace EdgeRig.Vision.Tests.Spatial;

/// <summary>One LIDAR scan as an MCAP carries it (foxglove.LaserScan): its log time, frame and bearings (evenly spaced from
/// start_angle to end_angle) with their ranges.</summary>
public sealed record ExportedScan(long RigNs, string FrameId, double[] AnglesRad, double[] RangesM);

/// <summary>
/// What an exported MCAP alone says about a camera and a LIDAR: the camera's foxglove.CameraCalibration (K, plumb_bob D, size,
/// frame_id), the /tf poses (rig → frame) of the camera's frame and of the frame the scans name, the camera's frame times and
/// the scans. Decoded from the file's bytes, nothing else.
/// </summary>
public sealed record ExportedScene(CameraIntrinsics Lens, int Width, int Height, RigidTransform RigFromCamera, RigidTransform RigFromLidar,
    long[] FrameNs, IReadOnlyList<ExportedScan> Scans)
{
    public static ExportedScene Read(byte[] mcap, string camera, string lidar)
    {
        using var reader = new McapReader(new MemoryStream(mcap));
        var channels = reader.ReadSummary().Channels;
        var byTopic = reader.ReadMessages().GroupBy(m => channels[m.ChannelId].Topic).ToDictionary(g => g.Key, g => g.ToList());

        var calibration = CameraCalibration.Parser.ParseFrom(Assert.Single(byTopic[$"/{camera}/calibration"]).Data);
        Assert.Equal("plumb_bob", calibration.DistortionModel);
        var (k, d) = (calibration.K, calibration.D);
        Assert.Equal((0.0, 0.0, 0.0, 0.0, 1.0), (k[1], k[3], k[6], k[7], k[8]));
        var lens = new CameraIntrinsics { Fx = k[0], Fy = k[4], Cx = k[2], Cy = k[5], K1 = d[0], K2 = d[1], P1 = d[2], P2 = d[3], K3 = d[4] };

        var transforms = byTopic["/tf"].Select(m => FrameTransform.Parser.ParseFrom(m.Data)).ToDictionary(t => t.ChildFrameId);
        RigidTransform RigFrom(string frame)
        {
            var t = transforms[frame];
            Assert.Equal("rig", t.ParentFrameId);
            return new RigidTransform(new Rotation3(t.Rotation.W, t.Rotation.X, t.Rotation.Y, t.Rotation.Z), new Vec3(t.Translation.X, t.Translation.Y, t.Translation.Z));
        }

        var scans = byTopic[$"/{lidar}"].Select(m =>
        {
            var s = LaserScan.Parser.ParseFrom(m.Data);
            int n = s.Ranges.Count;
            double step = n > 1 ? (s.EndAngle - s.StartAngle) / (n - 1) : 0;
            return new ExportedScan((long)m.LogTime, s.FrameId, [.. Enumerable.Range(0, n).Select(i => s.StartAngle + i * step)], [.. s.Ranges]);
        }).ToList();
        string lidarFrame = Assert.Single(scans.Select(s => s.FrameId).Distinct());

        return new ExportedScene(lens, (int)calibration.Width, (int)calibration.Height, RigFrom(calibration.FrameId), RigFrom(lidarFrame),
            [.. byTopic[$"/{camera}"].Select(m => (long)m.LogTime)], scans);
    }
}
