using EdgeRig.Devices.Lidar;

namespace EdgeRig.Devices.Tests.Lidar;

/// <summary>
/// Produces the byte stream of an LD06 turning at 10 Hz (3600°/s): packets of 12 points 0.8° apart, 450 points a
/// revolution, each range a known function of its angle so a corrupted point would show.
/// </summary>
internal sealed class Ld06StreamWriter
{
    public const int StepCentiDeg = 80;
    private int _startAngle;
    private double _stampMs = 29_900; // close to the 30 000 ms roll-over

    public static ushort RangeMmAt(int angleCentiDeg) => (ushort)(1000 + angleCentiDeg / 10);

    public Ld06Packet NextPacket()
    {
        var distances = new ushort[12];
        var intensities = new byte[12];
        for (int i = 0; i < 12; i++)
        {
            distances[i] = RangeMmAt((_startAngle + i * StepCentiDeg) % 36000);
            intensities[i] = 200;
        }
        var packet = new Ld06Packet(3600, (ushort)_startAngle, (ushort)((_startAngle + 11 * StepCentiDeg) % 36000),
            (ushort)((long)_stampMs % Ld06Packet.TimestampModulus), distances, intensities);
        _startAngle = (_startAngle + 12 * StepCentiDeg) % 36000;
        _stampMs += 12 * StepCentiDeg / 360.0; // 0.8° per point at 3600°/s
        return packet;
    }

    /// <summary>Bytes of the next <paramref name="packets"/> packets.</summary>
    public byte[] Next(int packets) => Enumerable.Range(0, packets).SelectMany(_ => NextPacket().Encode()).ToArray();
}
