using System.Buffers.Binary;
using EdgeRig.Core;
using EdgeRig.Devices.Simulation;

namespace EdgeRig.Devices.Lidar;

/// <summary>
/// A simulated 2-D spinning LIDAR in a 6 m x 4 m room with a target 1.5 m ahead that steps back to 2.5 m for
/// half a second after each world event. One sample is one revolution; each point carries its own time offset
/// within the scan. Its sensor time is an LD06-style millisecond stamp that wraps every 30 s.
/// </summary>
public sealed class SimulatedLidar(DeviceProfile profile, SimulatedWorld world, IRigClock clock)
    : SimulatedSensor(profile, DescriptorFor(profile), world, clock)
{
    /// <summary>Bytes per point in <see cref="Encodings.LidarScan"/>.</summary>
    public const int PointSize = 13;

    public const long StampModulus = 30_000;

    private readonly Random _noise = new(profile.Id.GetHashCode());

    public static StreamDescriptor DescriptorFor(DeviceProfile p) =>
        new(new StreamId(p.StreamName), Modality.Lidar, Encodings.LidarScan, p.RateHz, "rad,m", p.Id, p.FrameId)
        {
            SensorTickRateHz = 1000,
            SensorWrapModulus = StampModulus,
            KnownLatency = Duration.FromSeconds(1 / p.RateHz),
            Parameters = new Dictionary<string, string> { ["pointsPerScan"] = p.PointsPerScan.ToString() },
        };

    protected override Duration DataSpan => DeviceClock.TruePeriod;

    protected override ReadOnlyMemory<byte> Render(long k, HostTime trueStart)
    {
        int n = Profile.PointsPerScan;
        var buffer = new byte[n * PointSize];
        long periodNs = DeviceClock.TruePeriod.Nanoseconds;
        var evt = World.LastEventAtOrBefore(trueStart + DeviceClock.TruePeriod);
        for (int i = 0; i < n; i++)
        {
            double angle = 2 * Math.PI * i / n;
            uint offsetNs = (uint)(periodNs * i / n);
            var pointTime = trueStart + new Duration(offsetNs);
            double range = RoomRange(angle);
            if (Math.Abs(angle - Math.PI / 2) < Math.PI / 18)
            {
                bool stepped = evt is not null && pointTime >= evt.TrueTime && pointTime - evt.TrueTime < SimulatedWorld.RangeStepLength;
                range = stepped ? 2.5 : 1.5;
            }
            range += (_noise.NextDouble() - 0.5) * 0.02;
            var span = buffer.AsSpan(i * PointSize);
            BinaryPrimitives.WriteSingleLittleEndian(span, (float)angle);
            BinaryPrimitives.WriteSingleLittleEndian(span[4..], (float)range);
            span[8] = (byte)(120 + _noise.Next(40));
            BinaryPrimitives.WriteUInt32LittleEndian(span[9..], offsetNs);
        }
        return buffer;
    }

    /// <summary>LD06-style stamp: milliseconds modulo 30 s.</summary>
    protected override SensorTime StampFor(long k) => new(base.StampFor(k).Ticks % StampModulus);

    private static double RoomRange(double angle)
    {
        double c = Math.Cos(angle), s = Math.Sin(angle);
        double rx = Math.Abs(c) > 1e-9 ? 3.0 / Math.Abs(c) : double.MaxValue;
        double ry = Math.Abs(s) > 1e-9 ? 2.0 / Math.Abs(s) : double.MaxValue;
        return Math.Min(rx, ry);
    }
}
