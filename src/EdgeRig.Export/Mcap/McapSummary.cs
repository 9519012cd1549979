namespace EdgeRig.Export.Mcap;

/// <summary>The summary section of a file: repeated schemas and channels, statistics, indexes and offsets.</summary>
public sealed record McapSummary(
    Footer Footer,
    IReadOnlyDictionary<ushort, Schema> Schemas,
    IReadOnlyDictionary<ushort, Channel> Channels,
    Statistics? Statistics,
    IReadOnlyList<ChunkIndex> ChunkIndexes,
    IReadOnlyList<AttachmentIndex> AttachmentIndexes,
    IReadOnlyList<MetadataIndex> MetadataIndexes,
    IReadOnlyList<SummaryOffset> SummaryOffsets)
{
    /// <summary>True when the file has a summary section (Footer.SummaryStart is not 0).</summary>
    public bool HasSummarySection => Footer.SummaryStart != 0;
}

/// <summary>Summary look-ups of the reader, found from the Footer at the end of a seekable stream.</summary>
public sealed partial class McapReader
{
    private const int FooterRecordLength = McapConstants.RecordPrefixLength + McapConstants.FooterContentLength;

    /// <summary>Reads the Footer from the end of the file.</summary>
    public Footer ReadFooter()
    {
        RequireSeekable();
        long fileLength = _stream.Length;
        long footerStart = fileLength - McapConstants.MagicLength - FooterRecordLength;
        if (footerStart < McapConstants.MagicLength)
        {
            throw new McapFormatException($"Truncated file: {fileLength} bytes is too short to hold a Footer");
        }
        var tail = ReadAt(footerStart, FooterRecordLength + McapConstants.MagicLength);
        if (!tail.AsSpan(FooterRecordLength).SequenceEqual(McapConstants.Magic))
        {
            throw new McapFormatException("The closing magic bytes are missing or wrong (truncated file?)");
        }
        if (tail[0] != (byte)McapOpcode.Footer || BitConverter.ToUInt64(tail, 1) != McapConstants.FooterContentLength)
        {
            throw new McapFormatException($"No Footer record at offset {footerStart}");
        }
        return (Footer)McapRecordCodec.Parse(tail[0], tail.AsSpan(McapConstants.RecordPrefixLength), footerStart)!;
    }

    /// <summary>Reads the summary section (checking the summary CRC when it is not 0); empty when the file has none.</summary>
    public McapSummary ReadSummary()
    {
        var footer = ReadFooter();
        long footerStart = _stream.Length - McapConstants.MagicLength - FooterRecordLength;
        var schemas = new Dictionary<ushort, Schema>();
        var channels = new Dictionary<ushort, Channel>();
        var chunkIndexes = new List<ChunkIndex>();
        var attachmentIndexes = new List<AttachmentIndex>();
        var metadataIndexes = new List<MetadataIndex>();
        var offsets = new List<SummaryOffset>();
        Statistics? statistics = null;
        if (footer.SummaryStart != 0 || footer.SummaryOffsetStart != 0)
        {
            long start = footer.SummaryStart != 0 ? (long)footer.SummaryStart : (long)footer.SummaryOffsetStart;
            if (start < McapConstants.MagicLength || start > footerStart)
            {
                throw new McapFormatException($"Footer summary start {start} lies outside the file");
            }
            var bytes = ReadAt(start, (int)(footerStart - start + McapConstants.RecordPrefixLength + 16));
            if (footer.SummaryCrc != 0 && Crc32.Compute(bytes) != footer.SummaryCrc)
            {
                throw new McapFormatException(
                    $"Summary CRC mismatch: Footer stores 0x{footer.SummaryCrc:X8}, summary bytes give 0x{Crc32.Compute(bytes):X8}");
            }
            foreach (var record in ParseRecords(bytes, (int)(footerStart - start), start))
            {
                switch (record)
                {
                    case Schema s: schemas[s.Id] = s; break;
                    case Channel c: channels[c.Id] = c; break;
                    case Statistics s: statistics = s; break;
                    case ChunkIndex c: chunkIndexes.Add(c); break;
                    case AttachmentIndex a: attachmentIndexes.Add(a); break;
                    case MetadataIndex m: metadataIndexes.Add(m); break;
                    case SummaryOffset o: offsets.Add(o); break;
                }
            }
        }
        return new McapSummary(footer, schemas, channels, statistics, chunkIndexes, attachmentIndexes, metadataIndexes, offsets);
    }

    /// <summary>Reads the Statistics record of the summary, or null when the file has none.</summary>
    public Statistics? ReadStatistics() => ReadSummary().Statistics;

    private static List<McapRecord> ParseRecords(byte[] bytes, int end, long baseOffset)
    {
        var records = new List<McapRecord>();
        int at = 0;
        while (at < end)
        {
            if (end - at < McapConstants.RecordPrefixLength)
            {
                throw new McapFormatException($"Truncated record header at offset {baseOffset + at}");
            }
            ulong length = BitConverter.ToUInt64(bytes, at + 1);
            int contentStart = at + McapConstants.RecordPrefixLength;
            if (length > (ulong)(end - contentStart))
            {
                throw new McapFormatException(
                    $"Record at offset {baseOffset + at} declares {length} bytes, more than the summary holds");
            }
            var record = McapRecordCodec.Parse(bytes[at], bytes.AsSpan(contentStart, (int)length), baseOffset + at);
            if (record is not null)
            {
                records.Add(record);
            }
            at = contentStart + (int)length;
        }
        return records;
    }

    private byte[] ReadAt(long offset, int count)
    {
        _stream.Position = offset;
        var buffer = new byte[count];
        if (_stream.ReadAtLeast(buffer, count, throwOnEndOfStream: false) != count)
        {
            throw new McapFormatException($"Truncated file: cannot read {count} bytes at offset {offset}");
        }
        return buffer;
    }

    private void RequireSeekable()
    {
        if (!_stream.CanSeek)
        {
            throw new NotSupportedException("Summary look-ups need a seekable stream");
        }
    }
}
