using System.Buffers.Binary;

namespace EdgeRig.Devices.Lidar;

/// <summary>One LD06/LD19 measurement packet: 12 points between a start and an end angle, with the motor speed and a ms stamp.</summary>
public sealed record Ld06Packet(ushort SpeedDegPerSecond, ushort StartAngleCentiDeg, ushort EndAngleCentiDeg, ushort TimestampMs,
    ushort[] DistancesMm, byte[] Intensities)
{
    public const byte Header = 0x54;
    public const byte VerLen = 0x2C;
    public const int PointsPerPacket = 12;
    public const int Length = 47;

    /// <summary>The stamp counts milliseconds and starts again at this value.</summary>
    public const int TimestampModulus = 30_000;

    /// <summary>The packet's 47 bytes, CRC included (used by tests, benches and twins that speak the protocol).</summary>
    public byte[] Encode()
    {
        var b = new byte[Length];
        b[0] = Header;
        b[1] = VerLen;
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(2), SpeedDegPerSecond);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(4), StartAngleCentiDeg);
        for (int i = 0; i < PointsPerPacket; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(6 + 3 * i), DistancesMm[i]);
            b[8 + 3 * i] = Intensities[i];
        }
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(42), EndAngleCentiDeg);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(44), TimestampMs);
        b[46] = Crc8(b.AsSpan(0, 46));
        return b;
    }

    /// <summary>Parses 47 bytes already checked to start with the header and to pass the CRC.</summary>
    public static Ld06Packet Parse(ReadOnlySpan<byte> b)
    {
        var distances = new ushort[PointsPerPacket];
        var intensities = new byte[PointsPerPacket];
        for (int i = 0; i < PointsPerPacket; i++)
        {
            distances[i] = BinaryPrimitives.ReadUInt16LittleEndian(b[(6 + 3 * i)..]);
            intensities[i] = b[8 + 3 * i];
        }
        return new Ld06Packet(BinaryPrimitives.ReadUInt16LittleEndian(b[2..]), BinaryPrimitives.ReadUInt16LittleEndian(b[4..]),
            BinaryPrimitives.ReadUInt16LittleEndian(b[42..]), BinaryPrimitives.ReadUInt16LittleEndian(b[44..]), distances, intensities);
    }

    private static readonly byte[] CrcTable = BuildCrcTable(0x4D);

    /// <summary>CRC-8, polynomial 0x4D, initial 0, MSB first, over the 46 bytes before the CRC (LD06 datasheet, section 5).</summary>
    public static byte Crc8(ReadOnlySpan<byte> data)
    {
        byte crc = 0;
        foreach (byte x in data) crc = CrcTable[crc ^ x];
        return crc;
    }

    private static byte[] BuildCrcTable(byte polynomial)
    {
        var table = new byte[256];
        for (int i = 0; i < 256; i++)
        {
            int c = i;
            for (int bit = 0; bit < 8; bit++) c = (c & 0x80) != 0 ? ((c << 1) ^ polynomial) & 0xFF : (c << 1) & 0xFF;
            table[i] = (byte)c;
        }
        return table;
    }
}

/// <summary>
/// Finds LD06/LD19 packets in a serial byte stream: header 0x54 0x2C, 47 bytes, CRC-8. A packet whose CRC fails
/// (corrupted, or cut short and run into the next one) is counted and the search resumes one byte later, so the
/// decoder resynchronises on the next good header.
/// </summary>
public sealed class Ld06PacketDecoder
{
    private readonly byte[] _buffer = new byte[4096];
    private int _count;

    public long Packets { get; private set; }
    public long CorruptPackets { get; private set; }
    public long SkippedBytes { get; private set; }

    /// <summary>Receives a line about each corrupt packet.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Feeds bytes read from the port; every complete good packet is handed to <paramref name="onPacket"/>.</summary>
    public void Push(ReadOnlySpan<byte> data, Action<Ld06Packet> onPacket)
    {
        while (!data.IsEmpty)
        {
            int n = Math.Min(data.Length, _buffer.Length - _count);
            data[..n].CopyTo(_buffer.AsSpan(_count));
            _count += n;
            data = data[n..];
            Drain(onPacket);
        }
    }

    private void Drain(Action<Ld06Packet> onPacket)
    {
        int at = 0;
        while (true)
        {
            int header = IndexOfHeader(at);
            if (header < 0)
            {
                int keep = _count > 0 && _buffer[_count - 1] == Ld06Packet.Header ? 1 : 0; // a header byte may be split across reads
                SkippedBytes += _count - at - keep;
                at = _count - keep;
                break;
            }
            SkippedBytes += header - at;
            at = header;
            if (_count - at < Ld06Packet.Length) break;
            var packet = _buffer.AsSpan(at, Ld06Packet.Length);
            byte crc = Ld06Packet.Crc8(packet[..46]);
            if (crc != packet[46])
            {
                CorruptPackets++;
                Log?.Invoke($"LD06 packet dropped: CRC 0x{packet[46]:X2}, computed 0x{crc:X2} ({CorruptPackets} corrupt so far)");
                at++;
                continue;
            }
            Packets++;
            onPacket(Ld06Packet.Parse(packet));
            at += Ld06Packet.Length;
        }
        Array.Copy(_buffer, at, _buffer, 0, _count - at);
        _count -= at;
    }

    private int IndexOfHeader(int from)
    {
        for (int i = from; i + 1 < _count; i++)
            if (_buffer[i] == Ld06Packet.Header && _buffer[i + 1] == Ld06Packet.VerLen) return i;
        return -1;
    }
}
