using System.Buffers.Binary;
using EdgeRig.Core;
using EdgeRig.Devices.Simulation;

namespace EdgeRig.Devices.Imu;

/// <summary>
/// A simulated 6-axis IMU read through its FIFO: samples arrive in bursts (FifoBurst at a time) that share the
/// host time of the FIFO read; the sensor time is the FIFO sample index. Gravity, noise, a slow sway, and a
/// sharp bump in acceleration at each world event.
/// </summary>
public sealed class SimulatedImu(DeviceProfile profile, SimulatedWorld world, IRigClock clock)
    : SimulatedSensor(profile, DescriptorFor(profile), world, clock, profile.FifoBurst)
{
    private readonly Random _noise = new(profile.Id.GetHashCode());

    public static StreamDescriptor DescriptorFor(DeviceProfile p) =>
        new(new StreamId(p.StreamName), Modality.Imu, Encodings.Imu6, p.RateHz, "m/s^2,rad/s", p.Id, p.FrameId)
        {
            SensorTickRateHz = p.RateHz,
        };

    protected override ReadOnlyMemory<byte> Render(long k, HostTime trueStart)
    {
        double t = (trueStart - World.Origin).TotalSeconds;
        float Noise(double sd) => (float)((_noise.NextDouble() - 0.5) * 3.46 * sd);
        float ax = Noise(0.03), ay = Noise(0.03), az = 9.81f + Noise(0.03);
        float gx = Noise(0.002), gy = Noise(0.002), gz = (float)(0.3 * Math.Sin(2 * Math.PI * 0.2 * t)) + Noise(0.002);
        var evt = World.LastEventAtOrBefore(trueStart);
        if (evt is not null)
        {
            double since = (trueStart - evt.TrueTime).TotalSeconds;
            if (since < 0.03) ax += (float)(25 * Math.Exp(-since / 0.004));
        }
        var buffer = new byte[24];
        var span = buffer.AsSpan();
        BinaryPrimitives.WriteSingleLittleEndian(span, ax);
        BinaryPrimitives.WriteSingleLittleEndian(span[4..], ay);
        BinaryPrimitives.WriteSingleLittleEndian(span[8..], az);
        BinaryPrimitives.WriteSingleLittleEndian(span[12..], gx);
        BinaryPrimitives.WriteSingleLittleEndian(span[16..], gy);
        BinaryPrimitives.WriteSingleLittleEndian(span[20..], gz);
        return buffer;
    }
}
