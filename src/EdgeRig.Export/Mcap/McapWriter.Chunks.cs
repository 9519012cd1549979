namespace EdgeRig.Export.Mcap;

/// <summary>Chunking part of the writer: buffers Schema, Channel and Message records and writes them as Chunk records.</summary>
public sealed partial class McapWriter
{
    private readonly string _chunkCompressionName;
    private readonly McapBufferWriter _chunk = new();
    private readonly SortedDictionary<ushort, List<MessageIndexEntry>> _chunkMessageIndexes = [];
    private readonly List<ChunkIndex> _chunkIndexes = [];
    private ulong _chunkMessageStartTime;
    private ulong _chunkMessageEndTime;
    private bool _chunkHasMessages;
    private uint _chunkCount;

    /// <summary>Closes the open chunk now (if it holds any record) and writes it with its message indexes.</summary>
    public void FlushChunk()
    {
        ThrowIfFinished();
        if (_chunk.Length == 0)
        {
            return;
        }
        var uncompressed = _chunk.WrittenSpan;
        byte[] compressed = McapChunkCompression.Compress(Options.Compression, uncompressed, Options.ZstdLevel);
        var chunk = new Chunk(
            _chunkMessageStartTime, _chunkMessageEndTime, (ulong)uncompressed.Length,
            Options.UseCrcs ? Crc32.Compute(uncompressed) : 0, _chunkCompressionName, compressed);
        long chunkStart = Position;
        long chunkLength = WriteRecord(chunk);

        var messageIndexOffsets = new Dictionary<ushort, ulong>();
        long messageIndexStart = Position;
        if (Options.WriteMessageIndexes)
        {
            foreach (var (channelId, entries) in _chunkMessageIndexes)
            {
                messageIndexOffsets[channelId] = (ulong)Position;
                WriteRecord(new MessageIndex(channelId, entries));
            }
        }
        if (Options.WriteChunkIndex)
        {
            _chunkIndexes.Add(new ChunkIndex(
                chunk.MessageStartTime, chunk.MessageEndTime, (ulong)chunkStart, (ulong)chunkLength,
                messageIndexOffsets, (ulong)(Position - messageIndexStart), _chunkCompressionName,
                (ulong)compressed.Length, (ulong)uncompressed.Length));
        }
        _chunkCount++;
        _chunk.Clear();
        _chunkMessageIndexes.Clear();
        _chunkHasMessages = false;
        _chunkMessageStartTime = 0;
        _chunkMessageEndTime = 0;
    }

    /// <summary>Appends the content buffer as one record to the open chunk.</summary>
    private void AppendToChunk(McapOpcode opcode)
    {
        _chunk.WriteByte((byte)opcode);
        _chunk.WriteUInt64((ulong)_content.Length);
        _chunk.WriteBytes(_content.WrittenSpan);
    }

    private void AppendMessageToChunk(ushort channelId, ulong logTime)
    {
        ulong offset = (ulong)_chunk.Length;
        AppendToChunk(McapOpcode.Message);
        if (!_chunkMessageIndexes.TryGetValue(channelId, out var entries))
        {
            entries = [];
            _chunkMessageIndexes.Add(channelId, entries);
        }
        entries.Add(new MessageIndexEntry(logTime, offset));
        if (!_chunkHasMessages)
        {
            _chunkMessageStartTime = logTime;
            _chunkMessageEndTime = logTime;
            _chunkHasMessages = true;
        }
        else
        {
            _chunkMessageStartTime = Math.Min(_chunkMessageStartTime, logTime);
            _chunkMessageEndTime = Math.Max(_chunkMessageEndTime, logTime);
        }
        if (_chunk.Length >= Options.ChunkSize)
        {
            FlushChunk();
        }
    }
}
