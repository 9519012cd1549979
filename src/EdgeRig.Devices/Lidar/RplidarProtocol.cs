using System.Buffers.Binary;

namespace EdgeRig.Devices.Lidar;

/// <summary>One RPLIDAR A1/A2 standard-scan measurement node (5 bytes): start flag, quality, angle, distance.</summary>
public readonly record struct RplidarNode(bool StartOfRevolution, byte Quality, ushort AngleQ6, ushort DistanceQ2)
{
    public const int Length = 5;

    /// <summary>Request SCAN (A5 20) and STOP (A5 25), and the response descriptor the device answers SCAN with.</summary>
    public static readonly byte[] ScanRequest = [0xA5, 0x20];
    public static readonly byte[] StopRequest = [0xA5, 0x25];
    public static readonly byte[] ScanResponseDescriptor = [0xA5, 0x5A, 0x05, 0x00, 0x00, 0x40, 0x81];

    public double AngleDegrees => AngleQ6 / 64.0;
    public double DistanceMm => DistanceQ2 / 4.0;

    public byte[] Encode()
    {
        var b = new byte[Length];
        b[0] = (byte)((Quality << 2) | (StartOfRevolution ? 0b01 : 0b10));
        b[1] = (byte)(((AngleQ6 & 0x7F) << 1) | 1);
        b[2] = (byte)(AngleQ6 >> 7);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(3), DistanceQ2);
        return b;
    }

    /// <summary>Parses a node; false when its check bits are wrong (S must differ from its inverse, C must be 1).</summary>
    public static bool TryParse(ReadOnlySpan<byte> b, out RplidarNode node)
    {
        bool s = (b[0] & 1) != 0, notS = (b[0] & 2) != 0, c = (b[1] & 1) != 0;
        node = new RplidarNode(s, (byte)(b[0] >> 2), (ushort)((b[1] >> 1) | (b[2] << 7)), BinaryPrimitives.ReadUInt16LittleEndian(b[3..]));
        return s != notS && c && node.AngleQ6 < 360 * 64;
    }
}

/// <summary>
/// Finds standard-scan nodes in the byte stream after the response descriptor. A node failing its check bits is
/// counted and the decoder slides one byte, resynchronising on the next run of valid nodes.
/// </summary>
public sealed class RplidarNodeDecoder
{
    private readonly byte[] _pending = new byte[RplidarNode.Length];
    private int _count;
    private int _descriptorMatched;

    public long Nodes { get; private set; }
    public long CorruptNodes { get; private set; }
    public bool DescriptorSeen => _descriptorMatched == RplidarNode.ScanResponseDescriptor.Length;

    public Action<string>? Log { get; init; }

    public void Push(ReadOnlySpan<byte> data, Action<RplidarNode> onNode)
    {
        foreach (byte x in data)
        {
            if (!DescriptorSeen)
            {
                var d = RplidarNode.ScanResponseDescriptor;
                _descriptorMatched = x == d[_descriptorMatched] ? _descriptorMatched + 1 : x == d[0] ? 1 : 0;
                continue;
            }
            _pending[_count++] = x;
            if (_count < RplidarNode.Length) continue;
            if (RplidarNode.TryParse(_pending, out var node))
            {
                Nodes++;
                _count = 0;
                onNode(node);
                continue;
            }
            CorruptNodes++;
            Log?.Invoke($"RPLIDAR node dropped: check bits wrong in {Convert.ToHexString(_pending)} ({CorruptNodes} corrupt so far)");
            Array.Copy(_pending, 1, _pending, 0, RplidarNode.Length - 1);
            _count--;
        }
    }
}
