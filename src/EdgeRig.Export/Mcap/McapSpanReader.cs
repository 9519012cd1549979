using System.Buffers.Binary;
using System.Text;

namespace EdgeRig.Export.Mcap;

/// <summary>Reads MCAP primitives from a record's content, failing with the record and field it was decoding.</summary>
internal ref struct McapSpanReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly string _context;

    public McapSpanReader(ReadOnlySpan<byte> data, string context)
    {
        _data = data;
        _context = context;
        Position = 0;
    }

    public int Position { get; private set; }

    public readonly int Remaining => _data.Length - Position;

    public byte ReadByte(string field) => Take(1, field)[0];

    public ushort ReadUInt16(string field) => BinaryPrimitives.ReadUInt16LittleEndian(Take(2, field));

    public uint ReadUInt32(string field) => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, field));

    public ulong ReadUInt64(string field) => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, field));

    public string ReadString(string field)
    {
        var bytes = Take(ReadLength(ReadUInt32(field), field), field);
        try
        {
            return new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new McapFormatException($"{_context}: field '{field}' is not valid UTF-8", e);
        }
    }

    public byte[] ReadUInt32PrefixedBytes(string field) => Take(ReadLength(ReadUInt32(field), field), field).ToArray();

    public ReadOnlySpan<byte> ReadUInt64PrefixedBytes(string field) => Take(ReadLength(ReadUInt64(field), field), field);

    public ReadOnlySpan<byte> ReadRest() => Take(Remaining, "data");

    public Dictionary<string, string> ReadStringMap(string field)
    {
        var inner = new McapSpanReader(Take(ReadLength(ReadUInt32(field), field), field), $"{_context} {field}");
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        while (inner.Remaining > 0)
        {
            string key = inner.ReadString("key");
            if (!map.TryAdd(key, inner.ReadString("value")))
            {
                throw new McapFormatException($"{_context}: map '{field}' repeats key '{key}'");
            }
        }
        return map;
    }

    public Dictionary<ushort, ulong> ReadUInt16UInt64Map(string field)
    {
        var inner = new McapSpanReader(Take(ReadLength(ReadUInt32(field), field), field), $"{_context} {field}");
        var map = new Dictionary<ushort, ulong>();
        while (inner.Remaining > 0)
        {
            ushort key = inner.ReadUInt16("key");
            if (!map.TryAdd(key, inner.ReadUInt64("value")))
            {
                throw new McapFormatException($"{_context}: map '{field}' repeats key {key}");
            }
        }
        return map;
    }

    private readonly int ReadLength(ulong length, string field) =>
        length <= (ulong)Remaining
            ? (int)length
            : throw new McapFormatException(
                $"{_context}: field '{field}' declares {length} bytes but only {Remaining} remain in the record");

    private ReadOnlySpan<byte> Take(int count, string field)
    {
        if (count > Remaining)
        {
            throw new McapFormatException(
                $"{_context}: record too short for field '{field}' (needs {count} bytes, {Remaining} remain)");
        }
        var span = _data.Slice(Position, count);
        Position += count;
        return span;
    }
}
