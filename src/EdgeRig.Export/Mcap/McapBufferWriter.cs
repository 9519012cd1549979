using System.Buffers.Binary;
using System.Text;

namespace EdgeRig.Export.Mcap;

/// <summary>Growable little-endian byte buffer with the MCAP primitive encodings.</summary>
internal sealed class McapBufferWriter
{
    private byte[] _buffer;

    public McapBufferWriter(int capacity = 256) => _buffer = new byte[Math.Max(16, capacity)];

    /// <summary>Number of bytes written.</summary>
    public int Length { get; private set; }

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, Length);

    /// <summary>The bytes written so far, as memory another thread can read once this writer hands them over.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, Length);

    /// <summary>Forgets the content but keeps the storage.</summary>
    public void Clear() => Length = 0;

    /// <summary>Drops everything written after the first <paramref name="length"/> bytes (a record abandoned half-written).</summary>
    public void Truncate(int length) => Length = Math.Min(Length, length);

    public void WriteByte(byte value) => Reserve(1)[0] = value;

    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Reserve(2), value);

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Reserve(4), value);

    public void WriteUInt64(ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Reserve(8), value);

    public void WriteBytes(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Reserve(bytes.Length));

    /// <summary>uint32 byte length, then UTF-8 bytes.</summary>
    public void WriteString(string value)
    {
        int count = Encoding.UTF8.GetByteCount(value);
        WriteUInt32((uint)count);
        Encoding.UTF8.GetBytes(value, Reserve(count));
    }

    /// <summary>uint32 byte length, then the bytes.</summary>
    public void WriteUInt32PrefixedBytes(ReadOnlySpan<byte> bytes)
    {
        WriteUInt32((uint)bytes.Length);
        WriteBytes(bytes);
    }

    /// <summary>uint64 byte length, then the bytes.</summary>
    public void WriteUInt64PrefixedBytes(ReadOnlySpan<byte> bytes)
    {
        WriteUInt64((ulong)bytes.Length);
        WriteBytes(bytes);
    }

    /// <summary>A string map, entries in ordinal key order so equal maps encode to equal bytes.</summary>
    public void WriteStringMap(IReadOnlyDictionary<string, string> map)
    {
        int lengthAt = BeginLengthPrefix();
        foreach (var pair in map.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            WriteString(pair.Key);
            WriteString(pair.Value);
        }
        EndLengthPrefix(lengthAt);
    }

    /// <summary>A uint16-to-uint64 map, entries in ascending key order.</summary>
    public void WriteUInt16UInt64Map(IReadOnlyDictionary<ushort, ulong> map)
    {
        WriteUInt32((uint)(map.Count * 10));
        foreach (var pair in map.OrderBy(p => p.Key))
        {
            WriteUInt16(pair.Key);
            WriteUInt64(pair.Value);
        }
    }

    /// <summary>Writes a uint32 placeholder and returns where it is.</summary>
    public int BeginLengthPrefix()
    {
        int at = Length;
        WriteUInt32(0);
        return at;
    }

    /// <summary>Fills the placeholder at <paramref name="at"/> with the byte count written since.</summary>
    public void EndLengthPrefix(int at) =>
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(at, 4), (uint)(Length - at - 4));

    /// <summary>Appends <paramref name="count"/> bytes for the caller to fill and returns them.</summary>
    public Span<byte> Reserve(int count)
    {
        if (Length + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(Length + count, _buffer.Length * 2));
        }
        var span = _buffer.AsSpan(Length, count);
        Length += count;
        return span;
    }
}
