using System.Collections.Concurrent;

namespace EdgeRig.Export.Mcap;

/// <summary>
/// Chunking part of the writer: buffers Schema, Channel and Message records and writes them as Chunk records. A full chunk is
/// handed to a pool thread that computes its CRC, compresses it and then, after the chunk before it, writes it with its
/// message indexes; meanwhile the caller fills the next chunk. At most <see cref="MaxChunksInFlight"/> chunks are pending
/// (bounded memory) and they reach the stream in the order they were filled, so the bytes are those of a sequential writer.
/// Everything that writes to the stream directly (attachments, metadata, the summary) first waits for the pending chunks.
/// </summary>
public sealed partial class McapWriter
{
    /// <summary>True when zstd chunks are compressed by native libzstd (see <see cref="ZstdImplementation"/>).</summary>
    public static bool NativeZstd => ZstdNative.Available;

    /// <summary>What compresses zstd chunks in this process: "libzstd 1.5.7 (native)" or why the managed port does.</summary>
    public static string ZstdImplementation => ZstdNative.Available
        ? $"libzstd {ZstdNative.Version} (native)"
        : $"ZstdSharp (managed port; {(ZstdNative.Version is { } v ? $"libzstd {v} loaded, not {ZstdNative.VersionText(ZstdNative.SameBytesAsManagedPort)}" : "no libzstd")})";

    /// <summary>
    /// Chunks compressed or written in the background while the next one fills; the caller waits beyond this. One per core (at
    /// least 2, at most 4): compression is the slowest stage and chunks compress independently.
    /// </summary>
    private static readonly int MaxChunksInFlight = Math.Clamp(Environment.ProcessorCount, 2, 4);

    /// <summary>channel_id, sequence, log_time and publish_time: the fixed part of a Message record's content.</summary>
    private const int MessageHeaderLength = 2 + 4 + 8 + 8;

    private readonly string _chunkCompressionName;
    private readonly ConcurrentBag<ChunkBuffer> _freeChunks = [];
    private readonly Queue<Task> _chunksInFlight = new();
    private readonly McapBufferWriter _chunkWriterScratch = new();
    private readonly List<ChunkIndex> _chunkIndexes = [];
    private ChunkBuffer? _open;
    private Task _lastChunkWritten = Task.CompletedTask;
    private uint _chunkCount;

    private McapBufferWriter _chunk => (_open ??= RentChunk()).Records;

    /// <summary>Closes the open chunk now (if it holds any record) and writes it with its message indexes before returning.</summary>
    public void FlushChunk()
    {
        ThrowIfFinished();
        StartChunkWrite();
        DrainChunks();
    }

    /// <summary>Appends one record (opcode, length, content) to the open chunk.</summary>
    private void AppendToChunk(McapOpcode opcode, ReadOnlySpan<byte> content)
    {
        _chunk.WriteByte((byte)opcode);
        _chunk.WriteUInt64((ulong)content.Length);
        _chunk.WriteBytes(content);
    }

    /// <summary>Indexes the message record just appended at <paramref name="offset"/> and closes the chunk once it is full.</summary>
    private void IndexMessageInChunk(ushort channelId, ulong logTime, int offset)
    {
        var open = _open!;
        if (!open.MessageIndexes.TryGetValue(channelId, out var entries))
        {
            entries = [];
            open.MessageIndexes.Add(channelId, entries);
        }
        entries.Add(new MessageIndexEntry(logTime, (ulong)offset));
        if (!open.HasMessages)
        {
            open.MessageStartTime = logTime;
            open.MessageEndTime = logTime;
            open.HasMessages = true;
        }
        else
        {
            open.MessageStartTime = Math.Min(open.MessageStartTime, logTime);
            open.MessageEndTime = Math.Max(open.MessageEndTime, logTime);
        }
        if (open.Records.Length >= Options.ChunkSize)
        {
            StartChunkWrite();
        }
    }

    /// <summary>Hands the open chunk (if not empty) to a pool thread; waits while more than the bound are pending.</summary>
    private void StartChunkWrite()
    {
        if (_open is not { Records.Length: > 0 } chunk)
        {
            return;
        }
        _open = null;
        var previous = _lastChunkWritten;
        _lastChunkWritten = Task.Run(() => CompressAndWriteAsync(chunk, previous));
        _chunksInFlight.Enqueue(_lastChunkWritten);
        while (_chunksInFlight.Count > MaxChunksInFlight)
        {
            TaskWaits.WaitWithoutSpinning(_chunksInFlight.Dequeue());
        }
    }

    /// <summary>Waits until every pending chunk is in the stream; rethrows the first failure.</summary>
    private void DrainChunks()
    {
        while (_chunksInFlight.TryDequeue(out var pending))
        {
            TaskWaits.WaitWithoutSpinning(pending);
        }
    }

    /// <summary>Lets pending chunk work end (failures were or will be reported by <see cref="DrainChunks"/>) and frees the compressors.</summary>
    private void StopChunkWork()
    {
        try
        {
            TaskWaits.WaitWithoutSpinning(_lastChunkWritten);
        }
        catch (Exception)
        {
            // already thrown to the caller by DrainChunks (Finish), or the writer is being abandoned after another failure
        }
        _open?.Dispose();
        while (_freeChunks.TryTake(out var chunk))
        {
            chunk.Dispose();
        }
    }

    private ChunkBuffer RentChunk() => _freeChunks.TryTake(out var chunk) ? chunk : new ChunkBuffer(Options);

    /// <summary>CRC and compression of one chunk in parallel with the others; the stream writes strictly one after another.</summary>
    private async Task CompressAndWriteAsync(ChunkBuffer chunk, Task previous)
    {
        var records = chunk.Records.WrittenMemory;
        uint crc = Options.UseCrcs ? Crc32.Compute(records.Span) : 0;
        var compressed = chunk.Compressor.Compress(records);
        await previous.ConfigureAwait(false);
        WriteChunkRecord(chunk, crc, compressed.Span);
        chunk.Reset();
        _freeChunks.Add(chunk);
    }

    /// <summary>The Chunk record, its MessageIndex records and its ChunkIndex entry; runs after the previous chunk's.</summary>
    private void WriteChunkRecord(ChunkBuffer chunk, uint crc, ReadOnlySpan<byte> compressed)
    {
        int uncompressedSize = chunk.Records.Length;
        var header = _chunkWriterScratch;
        header.Clear();
        header.WriteUInt64(chunk.MessageStartTime);
        header.WriteUInt64(chunk.MessageEndTime);
        header.WriteUInt64((ulong)uncompressedSize);
        header.WriteUInt32(crc);
        header.WriteString(_chunkCompressionName);
        header.WriteUInt64((ulong)compressed.Length);
        long chunkStart = _position;
        EmitPrefix(McapOpcode.Chunk, (ulong)(header.Length + compressed.Length));
        Emit(header.WrittenSpan);
        if (Options.Compression == McapCompression.None)
        {
            Emit(compressed, crc); // the records as they are: their CRC, just computed for the Chunk record, joins the data-section CRC
        }
        else
        {
            Emit(compressed);
        }
        long chunkLength = _position - chunkStart;

        var messageIndexOffsets = new Dictionary<ushort, ulong>();
        long messageIndexStart = _position;
        if (Options.WriteMessageIndexes)
        {
            foreach (var (channelId, entries) in chunk.MessageIndexes)
            {
                messageIndexOffsets[channelId] = (ulong)_position;
                WriteRecord(new MessageIndex(channelId, entries), _chunkWriterScratch);
            }
        }
        if (Options.WriteChunkIndex)
        {
            _chunkIndexes.Add(new ChunkIndex(
                chunk.MessageStartTime, chunk.MessageEndTime, (ulong)chunkStart, (ulong)chunkLength,
                messageIndexOffsets, (ulong)(_position - messageIndexStart), _chunkCompressionName,
                (ulong)compressed.Length, (ulong)uncompressedSize));
        }
        _chunkCount++;
    }

    /// <summary>One chunk's records and message index while it fills, and the compressor that goes with the buffer.</summary>
    private sealed class ChunkBuffer(McapWriterOptions options) : IDisposable
    {
        /// <summary>Room for a full chunk and one large message past it, so the buffer does not grow by copying while it fills.</summary>
        public McapBufferWriter Records { get; } = new(Math.Min(options.ChunkSize, 8 * 1024 * 1024) + 256 * 1024);

        public SortedDictionary<ushort, List<MessageIndexEntry>> MessageIndexes { get; } = [];

        public McapChunkCompressor Compressor { get; } = new(options.Compression, options.ZstdLevel);

        public ulong MessageStartTime { get; set; }

        public ulong MessageEndTime { get; set; }

        public bool HasMessages { get; set; }

        public void Reset()
        {
            Records.Clear();
            MessageIndexes.Clear();
            MessageStartTime = 0;
            MessageEndTime = 0;
            HasMessages = false;
        }

        public void Dispose() => Compressor.Dispose();
    }
}
