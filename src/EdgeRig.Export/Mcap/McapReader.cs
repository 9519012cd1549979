using System.Buffers.Binary;

namespace EdgeRig.Export.Mcap;

/// <summary>Reads an MCAP file, validating magic, record framing and every non-zero CRC; errors are <see cref="McapFormatException"/>.</summary>
public sealed partial class McapReader : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;

    /// <summary>Creates a reader over <paramref name="stream"/>; summary look-ups need it to be seekable.</summary>
    public McapReader(Stream stream, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead)
        {
            throw new ArgumentException("The stream must be readable", nameof(stream));
        }
        _stream = stream;
        _leaveOpen = leaveOpen;
    }

    /// <summary>Reads every record of <paramref name="stream"/> in file order (see <see cref="ReadRecords"/>).</summary>
    public static IReadOnlyList<McapRecord> ReadAllRecords(Stream stream)
    {
        using var reader = new McapReader(stream, leaveOpen: true);
        return reader.ReadRecords().ToList();
    }

    /// <summary>
    /// Yields the records in file order as a streamed reader sees them: chunks are replaced by the records inside them,
    /// MessageIndex and unknown records are skipped, and trailing bytes inside records are ignored.
    /// </summary>
    public IEnumerable<McapRecord> ReadRecords()
    {
        if (_stream.CanSeek)
        {
            _stream.Position = 0;
        }
        long position = 0;
        var magic = ReadBytes(McapConstants.MagicLength, ref position, "the leading magic");
        if (!magic.AsSpan().SequenceEqual(McapConstants.Magic))
        {
            throw new McapFormatException("Not an MCAP file: the leading magic bytes are wrong");
        }
        var crc = Crc32.Create();
        crc.Append(magic);
        bool inSummary = false;
        bool first = true;
        while (true)
        {
            long recordStart = position;
            var prefix = ReadBytes(McapConstants.RecordPrefixLength, ref position, "a record header (no Footer found)");
            byte opcode = prefix[0];
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(prefix.AsSpan(1));
            var content = ReadBytes(CheckLength(length, recordStart, opcode), ref position, $"{Describe(opcode)} at offset {recordStart}");
            if (first && opcode != (byte)McapOpcode.Header)
            {
                throw new McapFormatException($"The first record is {Describe(opcode)}, expected Header");
            }
            first = false;

            if (opcode == (byte)McapOpcode.Footer)
            {
                crc.Append(prefix);
                crc.Append(content.AsSpan(0, Math.Min(16, content.Length)));
                var footer = (Footer)McapRecordCodec.Parse(opcode, content, recordStart)!;
                if (footer.SummaryCrc != 0 && footer.SummaryCrc != crc.Value)
                {
                    throw new McapFormatException(
                        $"Summary CRC mismatch: Footer stores 0x{footer.SummaryCrc:X8}, summary bytes give 0x{crc.Value:X8}");
                }
                yield return footer;
                var closing = ReadBytes(McapConstants.MagicLength, ref position, "the closing magic");
                if (!closing.AsSpan().SequenceEqual(McapConstants.Magic))
                {
                    throw new McapFormatException($"The closing magic bytes at offset {position - 8} are wrong");
                }
                yield break;
            }
            if (opcode == (byte)McapOpcode.DataEnd && !inSummary)
            {
                var dataEnd = (DataEnd)McapRecordCodec.Parse(opcode, content, recordStart)!;
                if (dataEnd.DataSectionCrc != 0 && dataEnd.DataSectionCrc != crc.Value)
                {
                    throw new McapFormatException(
                        $"Data section CRC mismatch: DataEnd stores 0x{dataEnd.DataSectionCrc:X8}, data bytes give 0x{crc.Value:X8}");
                }
                inSummary = true;
                crc = Crc32.Create();
                yield return dataEnd;
                continue;
            }
            crc.Append(prefix);
            crc.Append(content);
            if (opcode == (byte)McapOpcode.Chunk)
            {
                var chunk = (Chunk)McapRecordCodec.Parse(opcode, content, recordStart)!;
                foreach (var inner in ReadChunkRecords(chunk, recordStart))
                {
                    yield return inner;
                }
                continue;
            }
            if (opcode == (byte)McapOpcode.MessageIndex)
            {
                continue;
            }
            var record = McapRecordCodec.Parse(opcode, content, recordStart);
            if (record is not null)
            {
                yield return record;
            }
        }
    }

    /// <summary>Yields the messages in file order, optionally only those of one channel.</summary>
    public IEnumerable<Message> ReadMessages(ushort? channelId = null) =>
        ReadRecords().OfType<Message>().Where(m => channelId is null || m.ChannelId == channelId);

    /// <summary>Yields the messages of every channel on <paramref name="topic"/>, in file order.</summary>
    public IEnumerable<Message> ReadMessages(string topic)
    {
        var channels = new HashSet<ushort>();
        foreach (var record in ReadRecords())
        {
            if (record is Channel channel && channel.Topic == topic)
            {
                channels.Add(channel.Id);
            }
            else if (record is Message message && channels.Contains(message.ChannelId))
            {
                yield return message;
            }
        }
    }

    /// <summary>Decompresses a chunk, checks its CRC and yields its Schema, Channel and Message records.</summary>
    public static IEnumerable<McapRecord> ReadChunkRecords(Chunk chunk, long chunkOffset)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        byte[] records = McapChunkCompression.Decompress(chunk, chunkOffset);
        if (chunk.UncompressedCrc != 0)
        {
            uint actual = Crc32.Compute(records);
            if (actual != chunk.UncompressedCrc)
            {
                throw new McapFormatException(
                    $"Chunk at offset {chunkOffset}: CRC mismatch (stored 0x{chunk.UncompressedCrc:X8}, computed 0x{actual:X8})");
            }
        }
        int at = 0;
        while (at < records.Length)
        {
            if (records.Length - at < McapConstants.RecordPrefixLength)
            {
                throw new McapFormatException($"Chunk at offset {chunkOffset}: truncated record header at chunk offset {at}");
            }
            byte opcode = records[at];
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(records.AsSpan(at + 1));
            int contentStart = at + McapConstants.RecordPrefixLength;
            if (length > (ulong)(records.Length - contentStart))
            {
                throw new McapFormatException(
                    $"Chunk at offset {chunkOffset}: {Describe(opcode)} at chunk offset {at} declares {length} bytes, only {records.Length - contentStart} remain");
            }
            var record = McapRecordCodec.Parse(opcode, records.AsSpan(contentStart, (int)length), chunkOffset);
            at = contentStart + (int)length;
            if (record is not null and not MessageIndex)
            {
                yield return record;
            }
        }
    }

    /// <summary>Closes the stream unless it was left open.</summary>
    public void Dispose()
    {
        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
    }

    private int CheckLength(ulong length, long recordStart, byte opcode)
    {
        long remaining = _stream.CanSeek ? _stream.Length - _stream.Position : int.MaxValue;
        if (length > (ulong)remaining || length > int.MaxValue)
        {
            throw new McapFormatException(
                $"Truncated file: {Describe(opcode)} at offset {recordStart} declares {length} bytes but only {remaining} remain");
        }
        return (int)length;
    }

    private byte[] ReadBytes(int count, ref long position, string what)
    {
        var buffer = new byte[count];
        int read = _stream.ReadAtLeast(buffer, count, throwOnEndOfStream: false);
        if (read != count)
        {
            throw new McapFormatException($"Truncated file: ends at offset {position + read} while reading {what}");
        }
        position += count;
        return buffer;
    }

    private static string Describe(byte opcode) =>
        Enum.IsDefined((McapOpcode)opcode) ? $"{(McapOpcode)opcode} record" : $"record with opcode 0x{opcode:X2}";
}
