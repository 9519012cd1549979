using System.Buffers.Binary;
using EdgeRig.Core;

namespace EdgeRig.Devices.Lidar;

/// <summary>One measured point of a revolution: angle (rad), range (m), intensity, and time since the scan began.</summary>
public readonly record struct LidarPoint(float AngleRad, float RangeM, byte Intensity, uint OffsetNs);

/// <summary>Collects the points of one revolution and encodes them as <see cref="Encodings.LidarScan"/> (13 bytes a point).</summary>
public sealed class LidarScanBuilder
{
    private readonly List<LidarPoint> _points = new(1024);

    public int Count => _points.Count;

    public void Add(LidarPoint point) => _points.Add(point);

    public void Clear() => _points.Clear();

    /// <summary>The revolution as a scan-v1 payload.</summary>
    public byte[] Encode()
    {
        var buffer = new byte[_points.Count * SimulatedLidar.PointSize];
        for (int i = 0; i < _points.Count; i++)
        {
            var p = _points[i];
            var span = buffer.AsSpan(i * SimulatedLidar.PointSize);
            BinaryPrimitives.WriteSingleLittleEndian(span, p.AngleRad);
            BinaryPrimitives.WriteSingleLittleEndian(span[4..], p.RangeM);
            span[8] = p.Intensity;
            BinaryPrimitives.WriteUInt32LittleEndian(span[9..], p.OffsetNs);
        }
        return buffer;
    }

    /// <summary>Reads a scan-v1 payload back into points.</summary>
    public static LidarPoint[] Decode(ReadOnlySpan<byte> payload)
    {
        var points = new LidarPoint[payload.Length / SimulatedLidar.PointSize];
        for (int i = 0; i < points.Length; i++)
        {
            var s = payload[(i * SimulatedLidar.PointSize)..];
            points[i] = new LidarPoint(BinaryPrimitives.ReadSingleLittleEndian(s), BinaryPrimitives.ReadSingleLittleEndian(s[4..]), s[8],
                BinaryPrimitives.ReadUInt32LittleEndian(s[9..]));
        }
        return points;
    }
}
