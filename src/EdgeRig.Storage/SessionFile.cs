using EdgeRig.Core;
using EdgeRig.Formats;
using LiteDB;

namespace EdgeRig.Storage;

/// <summary>
/// One session's own files: sessions/ID.db (LiteDB: chunk_index, chunk_data when embedded, ptp) and, in the
/// segment layout, sessions/ID.seg. Chunks carry a per-session write sequence ("seq"), the pull order.
/// </summary>
internal sealed class SessionFile : IDisposable
{
    private readonly LiteDatabase _db;
    private readonly ILiteCollection<BsonDocument> _index, _data, _ptp;
    private readonly SegmentFile? _segment;
    private readonly Dictionary<string, int> _nextIndex = new();
    private readonly object _gate = new();
    private int _nextSeq;

    public SessionFile(string path, ChunkPayloadLayout layout)
    {
        _db = new LiteDatabase(new ConnectionString { Filename = path, Connection = ConnectionType.Direct });
        _index = _db.GetCollection("chunk_index");
        _data = _db.GetCollection("chunk_data");
        _ptp = _db.GetCollection("ptp");
        _index.EnsureIndex("seq", unique: true);
        _index.EnsureIndex("stream");
        var chunks = _index.FindAll().ToList();
        _nextSeq = chunks.Count == 0 ? 0 : chunks.Max(c => c["seq"].AsInt32) + 1;
        foreach (var g in chunks.GroupBy(c => c["stream"].AsString))
            _nextIndex[g.Key] = g.Max(c => c["index"].AsInt32) + 1;
        bool segmented = layout == ChunkPayloadLayout.Segments || chunks.Any(c => c.ContainsKey("seg"));
        if (segmented)
        {
            _segment = new SegmentFile(Path.ChangeExtension(path, ".seg"));
            long indexedEnd = chunks.Where(c => c.ContainsKey("seg")).Select(c => c["seg"].AsInt64 + c["stored"].AsInt32).DefaultIfEmpty(0).Max();
            _segment.TruncateTo(indexedEnd);
        }
    }

    /// <summary>Every file a session may have on disk.</summary>
    public static IEnumerable<string> PathsOf(string dbPath) =>
        [dbPath, Path.ChangeExtension(dbPath, ".seg"), dbPath[..^3] + "-log.db"];

    /// <summary>Encodes and stores the batches; <paramref name="ensureSpace"/> may refuse before anything is written.</summary>
    public (IReadOnlyList<ChunkInfo> Written, long Bytes) Write(IReadOnlyList<ChunkBatch> batches, Action<long> ensureSpace)
    {
        lock (_gate)
        {
            var encoded = new List<(ChunkInfo Info, IReadOnlyList<ReadOnlyMemory<byte>> Pieces)>(batches.Count);
            var next = new Dictionary<string, int>(_nextIndex);
            foreach (var batch in batches)
            {
                string stream = batch.Descriptor.Id.Value;
                int index = next.GetValueOrDefault(stream);
                encoded.Add(ChunkFormat.EncodePieces(batch.Descriptor, batch.Samples, index));
                next[stream] = index + 1;
            }
            long bytes = encoded.Sum(e => (long)e.Info.StoredLength);
            ensureSpace(bytes + encoded.Count * 512L);
            long[]? offsets = _segment?.Append(encoded.Select(e => (e.Pieces, e.Info.StoredLength, e.Info.Crc32C)).ToList());
            _db.BeginTrans();
            try
            {
                for (int i = 0; i < encoded.Count; i++)
                {
                    var doc = SessionDocuments.ToBson(encoded[i].Info);
                    doc["_id"] = ObjectId.NewObjectId();
                    doc["seq"] = _nextSeq + i;
                    if (offsets is not null) doc["seg"] = offsets[i];
                    else _data.Insert(new BsonDocument { ["_id"] = doc["_id"], ["bytes"] = ChunkFormat.Concat(encoded[i].Pieces, encoded[i].Info.StoredLength) });
                    _index.Insert(doc);
                }
                _db.Commit();
            }
            catch
            {
                _db.Rollback();
                throw;
            }
            _nextSeq += encoded.Count;
            foreach (var (k, v) in next) _nextIndex[k] = v;
            return (encoded.Select(e => e.Info).ToList(), bytes);
        }
    }

    /// <summary>Fills in the SHA-256 of chunks that have none yet (it is computed when a chunk is first pulled, not on the recording path).</summary>
    public IReadOnlyList<ChunkInfo> ListChunksWithSha256(string sessionId)
    {
        var chunks = ListChunks();
        if (chunks.All(c => c.Sha256Hex.Length > 0)) return chunks;
        var result = new List<ChunkInfo>(chunks.Count);
        foreach (var c in chunks)
        {
            if (c.Sha256Hex.Length > 0) { result.Add(c); continue; }
            string sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(ReadChunk(sessionId, c)));
            lock (_gate)
            {
                var doc = _index.FindOne(Query.And(Query.EQ("stream", c.Stream.Value), Query.EQ("index", c.Index)));
                doc["sha256"] = sha;
                _index.Update(doc);
            }
            result.Add(c with { Sha256Hex = sha });
        }
        return result;
    }

    public IReadOnlyList<ChunkInfo> ListChunks()
    {
        lock (_gate)
            return _index.Query().OrderBy("seq").ToEnumerable().Select(SessionDocuments.ToChunk).ToList();
    }

    public byte[] ReadChunk(string sessionId, ChunkInfo chunk)
    {
        BsonDocument index;
        byte[] bytes;
        lock (_gate)
        {
            index = _index.FindOne(Query.And(Query.EQ("stream", chunk.Stream.Value), Query.EQ("index", chunk.Index)))
                ?? throw new CorruptChunkException($"chunk {chunk.Stream}/{chunk.Index} of session '{sessionId}' is not in its index", missing: true);
            if (index.ContainsKey("seg"))
            {
                try { bytes = _segment!.Read(index["seg"].AsInt64, index["stored"].AsInt32); }
                catch (IOException e) { throw new CorruptChunkException($"chunk {chunk.Stream}/{chunk.Index} of session '{sessionId}': {e.Message}", missing: true); }
            }
            else
            {
                bytes = (_data.FindById(index["_id"]) ?? throw new CorruptChunkException($"chunk {chunk.Stream}/{chunk.Index} of session '{sessionId}' has no data", missing: true))["bytes"].AsBinary;
            }
        }
        try
        {
            ChunkFormat.Verify(SessionDocuments.ToChunk(index), bytes);
        }
        catch (CorruptChunkException e)
        {
            throw new CorruptChunkException($"session '{sessionId}': {e.Message}");
        }
        return bytes;
    }

    public void AppendPtp(IReadOnlyList<PtpRecord> records)
    {
        lock (_gate) _ptp.InsertBulk(records.Select(SessionDocuments.ToBson));
    }

    public IReadOnlyList<PtpRecord> ReadPtp()
    {
        lock (_gate) return _ptp.FindAll().Select(SessionDocuments.ToPtp).OrderBy(r => r.At).ToList();
    }

    public void Checkpoint()
    {
        lock (_gate) _db.Checkpoint();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _db.Dispose();
            _segment?.Dispose();
        }
    }
}
