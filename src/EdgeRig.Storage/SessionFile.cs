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
    private readonly string _sessionId;
    private readonly IChunkCipher? _cipher;
    private readonly string _keyId;

    /// <param name="keyId">the session's wrapped data key; empty: stored in the clear.</param>
    public SessionFile(string path, ChunkPayloadLayout layout, string sessionId = "", IChunkCipher? cipher = null, string keyId = "")
    {
        if (keyId.Length > 0 && cipher is null)
            throw new InvalidOperationException($"session '{sessionId}' is encrypted (key {keyId}) but the store has no key ring");
        _sessionId = sessionId;
        _cipher = cipher;
        _keyId = keyId;
        _db = new LiteDatabase(new ConnectionString { Filename = path, Connection = ConnectionType.Direct }) { CheckpointSize = CheckpointPages };
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
            long indexedEnd = chunks.Where(c => c.ContainsKey("seg")).Select(c => c["seg"].AsInt64 + OnDiskLength(c)).DefaultIfEmpty(0).Max();
            _segment.TruncateTo(indexedEnd);
        }
    }

    /// <summary>Write-ahead-log pages before LiteDB checkpoints (its default, 1000, keeps ~8 MiB of pages cached per file).</summary>
    public const int CheckpointPages = 100;

    /// <summary>The chunk's identity its encryption is bound to.</summary>
    private string Aad(string stream, int index) => $"{_sessionId}/{stream}/{index}";

    private static int OnDiskLength(BsonDocument index) => index.ContainsKey("sealed") ? index["sealed"].AsInt32 : index["stored"].AsInt32;

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
            int[]? sealedLengths = null;
            if (_keyId.Length > 0)
            {
                // at rest the frame holds the sealed envelope; the index keeps the plain chunk's length and CRC
                sealedLengths = new int[encoded.Count];
                for (int i = 0; i < encoded.Count; i++)
                {
                    var (info, pieces) = encoded[i];
                    byte[] sealedBytes = _cipher!.Seal(_keyId, pieces, info.StoredLength, Aad(info.Stream.Value, info.Index));
                    sealedLengths[i] = sealedBytes.Length;
                    encoded[i] = (info, [sealedBytes]);
                }
            }
            long[]? offsets = _segment?.Append(encoded.Select((e, i) => sealedLengths is null
                ? (e.Pieces, e.Info.StoredLength, e.Info.Crc32C)
                : (e.Pieces, sealedLengths[i], Crc32C.Compute(e.Pieces[0].Span))).ToList());
            _db.BeginTrans();
            try
            {
                for (int i = 0; i < encoded.Count; i++)
                {
                    var doc = SessionDocuments.ToBson(encoded[i].Info);
                    doc["_id"] = ObjectId.NewObjectId();
                    doc["seq"] = _nextSeq + i;
                    if (sealedLengths is not null) doc["sealed"] = sealedLengths[i];
                    if (offsets is not null) doc["seg"] = offsets[i];
                    else _data.Insert(new BsonDocument { ["_id"] = doc["_id"], ["bytes"] = ChunkFormat.Concat(encoded[i].Pieces, sealedLengths?[i] ?? encoded[i].Info.StoredLength) });
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
                try { bytes = _segment!.Read(index["seg"].AsInt64, OnDiskLength(index)); }
                catch (IOException e) { throw new CorruptChunkException($"chunk {chunk.Stream}/{chunk.Index} of session '{sessionId}': {e.Message}", missing: true); }
            }
            else
            {
                bytes = (_data.FindById(index["_id"]) ?? throw new CorruptChunkException($"chunk {chunk.Stream}/{chunk.Index} of session '{sessionId}' has no data", missing: true))["bytes"].AsBinary;
            }
        }
        if (index.ContainsKey("sealed"))
        {
            if (_cipher is null)
                throw new CorruptChunkException($"chunk {chunk.Stream}/{chunk.Index} of session '{sessionId}' is encrypted and this store has no key ring");
            try { bytes = _cipher.Open(_keyId, bytes, Aad(chunk.Stream.Value, chunk.Index)); }
            catch (CorruptChunkException e) { throw new CorruptChunkException($"session '{sessionId}': {e.Message}"); }
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

    /// <summary>Overwrites every chunk of <paramref name="stream"/> with zeros (made durable), then drops them from the index.
    /// In the embedded layout the LiteDB pages are freed (LiteDB reuses them; they are not overwritten).</summary>
    public (int Chunks, long Bytes) Purge(string stream)
    {
        lock (_gate)
        {
            var docs = _index.Find(Query.EQ("stream", stream)).ToList();
            long bytes = 0;
            foreach (var doc in docs)
            {
                int length = doc["stored"].AsInt32;
                bytes += length;
                if (doc.ContainsKey("seg")) _segment!.Erase(doc["seg"].AsInt64 - SegmentFile.FrameHeaderSize, SegmentFile.FrameHeaderSize + OnDiskLength(doc));
                else _data.Delete(doc["_id"]);
            }
            _segment?.Flush();
            _db.BeginTrans();
            foreach (var doc in docs) _index.Delete(doc["_id"]);
            _db.Commit();
            return (docs.Count, bytes);
        }
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
