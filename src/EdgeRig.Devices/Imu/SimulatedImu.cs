using System.Buffers.Binary;
using EdgeRig.Core;
using EdgeRig.Devices.Simulation;

namespace EdgeRig.Devices.Imu;

/// <summary>
/// A simulated 6-axis IMU read through its FIFO: samples arrive in bursts (FifoBurst at a time) that share the
/// host time of the FIFO read; the sensor time is the FIFO sample index. Gravity, noise, a sharp bump in acceleration at
/// each world event, and the world's yaw rate on gz (a slow sway while the rig is not turning, unless the world holds a calibration board); with a
/// board, the rig's scripted sway on all three axes and gravity turned with it, in the IMU's mounted frame. Faults: "gap" (nothing
/// delivered, see <see cref="SimulatedSensor"/>) and "stuck" (one axis, default ay, holds the value it had).
/// </summary>
public sealed class SimulatedImu(DeviceProfile profile, SimulatedWorld world, IRigClock clock)
    : SimulatedSensor(profile, DescriptorFor(profile), world, clock, profile.FifoBurst)
{
    private static readonly string[] Axes = ["ax", "ay", "az", "gx", "gy", "gz"];

    private readonly Random _noise = new(SimulationSeed.For(profile.Id, world.Seed));
    private readonly float[] _last = new float[6];
    private readonly Rotation3? _imuFromRig = profile.Mount is { } mount ? mount.ToTransform().Rotation.Inverse() : null;

    public static StreamDescriptor DescriptorFor(DeviceProfile p) =>
        new(new StreamId(p.StreamName), Modality.Imu, Encodings.Imu6, p.RateHz, "m/s^2,rad/s", p.Id, p.FrameId)
        {
            SensorTickRateHz = p.RateHz,
        };

    protected override ReadOnlyMemory<byte> Render(long k, HostTime trueStart)
    {
        double t = (trueStart - World.Origin).TotalSeconds;
        float Noise(double sd) => (float)((_noise.NextDouble() - 0.5) * 3.46 * sd);
        // a rig with a calibration board is held still between its scripted sways (the camera-IMU rotation compares rates)
        double yawRate = World.IsTurning(trueStart) ? World.YawRate(trueStart) : World.Target is null ? 0.3 * Math.Sin(2 * Math.PI * 0.2 * t) : 0;
        var rate = new Vec3(0, 0, yawRate);
        var gravity = new Vec3(0, 0, 9.81);
        if (World.Target is { } target)
        {
            double seconds = World.SecondsAt(trueStart);
            rate += target.RigRate(seconds);
            gravity = target.WorldFromRig(seconds).Inverse().Apply(gravity);
        }
        if (_imuFromRig is { } imuFromRig) (rate, gravity) = (imuFromRig.Apply(rate), imuFromRig.Apply(gravity));
        var v = new float[] { (float)gravity.X + Noise(0.03), (float)gravity.Y + Noise(0.03), (float)gravity.Z + Noise(0.03), (float)rate.X + Noise(0.002), (float)rate.Y + Noise(0.002), (float)rate.Z + Noise(0.002) };
        var evt = World.LastEventAtOrBefore(trueStart);
        if (evt is not null)
        {
            double since = (trueStart - evt.TrueTime).TotalSeconds;
            if (since < 0.03) v[0] += (float)(25 * Math.Exp(-since / 0.004));
        }
        if (FaultAt(trueStart) is { Kind: "stuck" } stuck)
        {
            int axis = Array.IndexOf(Axes, stuck.Axis.Length > 0 ? stuck.Axis : "ay");
            v[axis] = _last[axis];
        }
        v.CopyTo(_last, 0);
        var buffer = new byte[24];
        for (int i = 0; i < 6; i++) BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(i * 4), v[i]);
        return buffer;
    }
}
