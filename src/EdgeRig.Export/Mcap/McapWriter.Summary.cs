namespace EdgeRig.Export.Mcap;

/// <summary>Summary part of the writer: statistics, indexes, DataEnd, summary offsets and the Footer.</summary>
public sealed partial class McapWriter
{
    private readonly List<AttachmentIndex> _attachmentIndexes = [];
    private readonly List<MetadataIndex> _metadataIndexes = [];
    private readonly SortedDictionary<ushort, ulong> _channelMessageCounts = [];
    private ulong _messageCount;
    private ulong _messageStartTime;
    private ulong _messageEndTime;
    private uint _attachmentCount;
    private uint _metadataCount;

    /// <summary>Writes the last chunk, DataEnd, the summary, summary offsets, Footer and closing magic, then flushes.</summary>
    public void Finish()
    {
        BeginOperation();
        FlushChunk();
        _finished = true;
        WriteRecord(new DataEnd(Options.UseCrcs ? _crc.Value : 0), _content);

        _crc = Crc32.Create();
        long summaryStart = _position;
        var groups = new List<SummaryOffset>();
        if (Options.RepeatSchemas)
        {
            WriteGroup(McapOpcode.Schema, _schemas, groups);
        }
        if (Options.RepeatChannels)
        {
            WriteGroup(McapOpcode.Channel, _channels, groups);
        }
        if (Options.WriteStatistics)
        {
            WriteGroup(McapOpcode.Statistics, [BuildStatistics()], groups);
        }
        WriteGroup(McapOpcode.MetadataIndex, _metadataIndexes, groups);
        WriteGroup(McapOpcode.AttachmentIndex, _attachmentIndexes, groups);
        WriteGroup(McapOpcode.ChunkIndex, _chunkIndexes, groups);
        bool hasSummary = _position != summaryStart;

        long summaryOffsetStart = 0;
        if (Options.WriteSummaryOffsets && groups.Count > 0)
        {
            summaryOffsetStart = _position;
            foreach (var group in groups)
            {
                WriteRecord(group, _content);
            }
        }

        EmitPrefix(McapOpcode.Footer, McapConstants.FooterContentLength);
        _content.Clear();
        _content.WriteUInt64(hasSummary ? (ulong)summaryStart : 0);
        _content.WriteUInt64((ulong)summaryOffsetStart);
        Emit(_content.WrittenSpan);
        _content.Clear();
        _content.WriteUInt32(Options.UseCrcs ? _crc.Value : 0);
        Emit(_content.WrittenSpan);
        Emit(McapConstants.Magic);
        _stream.Flush();
    }

    /// <summary>Statistics of everything written so far (waits for chunks still being written, for their count).</summary>
    public Statistics BuildStatistics()
    {
        DrainChunks();
        return new(
            _messageCount, (ushort)_schemas.Count, (uint)_channels.Count, _attachmentCount, _metadataCount,
            _chunkCount, _messageStartTime, _messageEndTime, new SortedDictionary<ushort, ulong>(_channelMessageCounts));
    }

    private void WriteGroup<T>(McapOpcode opcode, IEnumerable<T> records, List<SummaryOffset> groups) where T : McapRecord
    {
        long start = _position;
        foreach (var record in records)
        {
            WriteRecord(record, _content);
        }
        if (_position != start)
        {
            groups.Add(new SummaryOffset(opcode, (ulong)start, (ulong)(_position - start)));
        }
    }

    private void CountMessage(ushort channelId, ulong logTime)
    {
        _messageStartTime = _messageCount == 0 ? logTime : Math.Min(_messageStartTime, logTime);
        _messageEndTime = _messageCount == 0 ? logTime : Math.Max(_messageEndTime, logTime);
        _messageCount++;
        _channelMessageCounts[channelId] = _channelMessageCounts.GetValueOrDefault(channelId) + 1;
    }
}
