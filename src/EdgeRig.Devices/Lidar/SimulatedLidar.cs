using System.Buffers.Binary;
using EdgeRig.Core;
using EdgeRig.Devices.Simulation;

namespace EdgeRig.Devices.Lidar;

/// <summary>
/// A simulated 2-D spinning LIDAR in a 6 m x 4 m room with a target (an arc 1.5 m away, 80° wide around bearing 90°) that
/// steps back to 2.5 m for 0.45 s after each world event: a step that happens while the beam sweeps the target is timed to one
/// point's spacing. The world's calibration board, when held up, is hit where the scan plane crosses it. One sample is one revolution; each point carries its own time offset
/// within the scan, and sees the room turned by the world's yaw at that point's time. Its sensor time is an LD06-style
/// millisecond stamp that wraps every 30 s. Fault: "zeros" (every range 0, as a blinded or failing unit reports).
/// </summary>
public sealed class SimulatedLidar(DeviceProfile profile, SimulatedWorld world, IRigClock clock)
    : SimulatedSensor(profile, DescriptorFor(profile), world, clock)
{
    /// <summary>Bytes per point in <see cref="Encodings.LidarScan"/>.</summary>
    public const int PointSize = 13;

    public const long StampModulus = 30_000;

    /// <summary>Where the stepping target is (world bearing) and its half-width: the stimulus method's sector must lie inside it.</summary>
    public const double TargetBearingRad = Math.PI / 2, TargetHalfWidthRad = 40 * Math.PI / 180;

    private readonly Random _noise = new(SimulationSeed.For(profile.Id, world.Seed));
    private readonly RigidTransform _rigFromLidar = SimulatedGeometry.RigFromSensor(profile);

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
        var end = trueStart + DeviceClock.TruePeriod;
        bool turning = World.IsTurning(trueStart) || World.IsTurning(end);
        double yaw = World.Yaw(trueStart);
        bool zeros = FaultAt(trueStart)?.Kind == "zeros";
        for (int i = 0; i < n; i++)
        {
            double angle = 2 * Math.PI * i / n;
            uint offsetNs = (uint)(periodNs * i / n);
            var pointTime = trueStart + new Duration(offsetNs);
            double worldAngle = angle + (turning ? World.Yaw(pointTime) : yaw);
            double range = RoomRange(worldAngle);
            if (Math.Abs(Math.IEEERemainder(worldAngle - TargetBearingRad, 2 * Math.PI)) < TargetHalfWidthRad)
            {
                bool stepped = evt is not null && pointTime >= evt.TrueTime && pointTime - evt.TrueTime < SimulatedWorld.RangeStepLength;
                range = stepped ? 2.5 : 1.5;
            }
            if (World.Target is { } target && BoardRange(target, angle, World.SecondsAt(pointTime)) is { } board && board < range) range = board;
            range += (_noise.NextDouble() - 0.5) * 0.02;
            if (zeros) range = 0;
            var span = buffer.AsSpan(i * PointSize);
            BinaryPrimitives.WriteSingleLittleEndian(span, (float)angle);
            BinaryPrimitives.WriteSingleLittleEndian(span[4..], (float)range);
            span[8] = (byte)(120 + _noise.Next(40));
            BinaryPrimitives.WriteUInt32LittleEndian(span[9..], offsetNs);
        }
        return buffer;
    }

    /// <summary>How far along the beam at <paramref name="angle"/> (the scan plane is the LIDAR frame's x-y plane) the board is, if the beam hits it.</summary>
    private double? BoardRange(SimulatedTarget target, double angle, double seconds)
    {
        if (target.WorldFromBoard(seconds) is not { } worldFromBoard) return null;
        var boardFromLidar = worldFromBoard.Inverse() * new RigidTransform(target.WorldFromRig(seconds), Vec3.Zero) * _rigFromLidar;
        var origin = boardFromLidar.Translation;
        var direction = boardFromLidar.Rotation.Apply(new Vec3(Math.Cos(angle), Math.Sin(angle), 0));
        if (Math.Abs(direction.Z) < 1e-9) return null;
        double s = -origin.Z / direction.Z;
        if (s <= 0) return null;
        var hit = origin + s * direction;
        return target.Shade(hit.X, hit.Y) < 0 ? null : s;
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
