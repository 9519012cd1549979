using System.Buffers;
using EdgeRig.Core;
using EdgeRig.Formats;
using EdgeRig.Storage.Durability;
using LiteDB;

namespace EdgeRig.Storage;

/// <summary>
/// One session's own files: sessions/ID.db (LiteDB: chunk_index, chunk_data when embedded) and, in the segment layout,
/// sessions/ID.seg, the data of record. The LiteDB index is a cache of the segment's frames: when it cannot be read it is
/// moved aside and rebuilt, and frames it lacks (its last transactions lost at a power cut) are indexed again on open.
/// Chunks carry a per-session write sequence ("seq"), the pull order.
/// </summary>
internal sealed class SessionFile : IDisposable
{
    private readonly LiteDatabase _db;
    private readonly ILiteCollection<BsonDocument> _index, _data;
    private readonly SegmentFile? _segment;
    private readonly Dictionary<string, int> _nextIndex = new();
    private readonly object _gate = new();
    private int _nextSeq;
    private readonly string _sessionId;
    private readonly IChunkCipher? _cipher;
    private readonly string _keyId;
    private readonly List<string> _repairs = [];

    /// <param name="keyId">the session's wrapped data key; empty: stored in the clear.</param>
    /// <param name="verify">check the whole segment against the index (a session not closed cleanly), not only its tail.</param>
    /// <param name="purged">streams whose chunks were purged: never indexed again.</param>
    public SessionFile(string path, ChunkPayloadLayout layout, string sessionId = "", IChunkCipher? cipher = null, string keyId = "",
        bool verify = false, IReadOnlyCollection<string>? purged = null, FileLayer? files = null, bool rebuild = false)
    {
        files ??= FileLayer.Os;
        if (rebuild && File.Exists(path))
        {
            _repairs.Add($"index {Path.GetFileName(path)} moved to {Path.GetFileName(Quarantine(path, files))} to be rebuilt from the segment, as asked");
            verify = true;
        }
        _sessionId = sessionId;
        _cipher = cipher;
        _keyId = keyId;
        List<BsonDocument> chunks;
        try
        {
            (_db, chunks) = OpenIndex(path);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // the index is a cache of the segment: keep the damaged file for inspection and rebuild it
            string aside = Quarantine(path, files);
            _repairs.Add($"index {Path.GetFileName(path)} could not be read ({e.GetType().Name}: {e.Message}); moved to {Path.GetFileName(aside)} and rebuilt from the segment");
            (_db, chunks) = OpenIndex(path);
            verify = true;
        }
        _index = _db.GetCollection("chunk_index");
        _data = _db.GetCollection("chunk_data");
        string segmentPath = Path.ChangeExtension(path, ".seg");
        bool legacy = chunks.Any(c => c.ContainsKey("seg") && !c.ContainsKey("frame"));
        bool segmented = layout == ChunkPayloadLayout.Segments || chunks.Any(c => c.ContainsKey("seg")) || File.Exists(segmentPath);
        if (segmented)
        {
            _segment = new SegmentFile(segmentPath, files);
            long indexedEnd = chunks.Where(c => c.ContainsKey("seg")).Select(c => c["seg"].AsInt64 + OnDiskLength(c)).DefaultIfEmpty(0).Max();
            if (legacy) _segment.TruncateTo(indexedEnd);
            else chunks.AddRange(IndexMissingFrames(chunks, indexedEnd, verify, purged ?? []));
        }
        _nextSeq = chunks.Count == 0 ? 0 : chunks.Max(c => c["seq"].AsInt32) + 1;
        foreach (var g in chunks.GroupBy(c => c["stream"].AsString))
            _nextIndex[g.Key] = g.Max(c => c["index"].AsInt32) + 1;
    }

    /// <summary>What opening the session had to repair (empty when its files were consistent).</summary>
    public IReadOnlyList<string> Repairs => _repairs;

    private static (LiteDatabase Db, List<BsonDocument> Chunks) OpenIndex(string path)
    {
        var db = new LiteDatabase(new ConnectionString { Filename = path, Connection = ConnectionType.Direct }) { CheckpointSize = CheckpointPages };
        try
        {
            var index = db.GetCollection("chunk_index");
            index.EnsureIndex("seq", unique: true);
            index.EnsureIndex("stream");
            var chunks = index.FindAll().ToList();
            foreach (var c in chunks) SessionDocuments.ToChunk(c); // every entry must read back
            return (db, chunks);
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    private static string Quarantine(string path, FileLayer files)
    {
        string stamp = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss");
        string aside = $"{path}.damaged-{stamp}";
        foreach (var p in PathsOfIndex(path).Where(File.Exists))
            File.Move(p, p == path ? aside : $"{p}.damaged-{stamp}", overwrite: true);
        files.SyncDirectory(Path.GetDirectoryName(path)!);
        return aside;
    }

    /// <summary>Indexes the segment's frames the index lacks (the whole segment when <paramref name="verify"/>, else past the
    /// indexed end) and cuts off a torn last append; returns the entries added.</summary>
    private List<BsonDocument> IndexMissingFrames(List<BsonDocument> chunks, long indexedEnd, bool verify, IReadOnlyCollection<string> purged)
    {
        var known = chunks.Where(c => c.ContainsKey("seg")).Select(c => c["seg"].AsInt64).ToHashSet();
        var damaged = new List<(long From, long To)>();
        var frames = _segment!.Scan(verify ? 0 : indexedEnd, data => !known.Contains(data), damaged);
        var added = new List<BsonDocument>();
        var seqs = chunks.Select(c => c["seq"].AsInt32).ToHashSet();
        foreach (var f in frames.Where(f => !known.Contains(f.DataOffset)))
        {
            var doc = BsonSerializer.Deserialize(f.Meta);
            doc.Remove("descriptor");
            if (purged.Contains(doc["stream"].AsString) || !seqs.Add(doc["seq"].AsInt32)) continue;
            doc["_id"] = ObjectId.NewObjectId();
            doc["seg"] = f.DataOffset;
            doc["frame"] = f.FrameOffset;
            added.Add(doc);
        }
        if (added.Count > 0)
        {
            _db.BeginTrans();
            _index.InsertBulk(added);
            _db.Commit();
            _db.Checkpoint();
            _repairs.Add($"{added.Count} chunk(s) indexed again from the segment");
        }
        long end = Math.Max(indexedEnd, frames.Select(f => f.End).DefaultIfEmpty(0).Max());
        // damage that runs to the end of the file is a torn last append (never acknowledged): cut it off
        if (damaged.Count > 0 && damaged[^1].To == _segment.Length && damaged[^1].From >= end)
        {
            _repairs.Add($"cut a torn append of {_segment.Length - end} bytes at the end of the segment");
            damaged.RemoveAt(damaged.Count - 1);
            _segment.TruncateTo(end);
        }
        foreach (var (from, to) in damaged)
            _repairs.Add($"segment bytes {from}..{to} hold no readable chunk frame");
        return added;
    }

    /// <summary>Write-ahead-log pages before LiteDB checkpoints (its default, 1000, keeps ~8 MiB of pages cached per file).</summary>
    public const int CheckpointPages = 100;

    /// <summary>The chunk's identity its encryption is bound to.</summary>
    private string Aad(string stream, int index) => $"{_sessionId}/{stream}/{index}";

    private static int OnDiskLength(BsonDocument index) => index.ContainsKey("sealed") ? index["sealed"].AsInt32 : index["stored"].AsInt32;

    /// <summary>Every file a session may have on disk.</summary>
    public static IEnumerable<string> PathsOf(string dbPath) =>
        [.. PathsOfIndex(dbPath), Path.ChangeExtension(dbPath, ".seg"), Path.ChangeExtension(dbPath, ".journal")];

    /// <summary>The LiteDB files of a session's index.</summary>
    private static IEnumerable<string> PathsOfIndex(string dbPath) => [dbPath, dbPath[..^3] + "-log.db"];

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
            var docs = new BsonDocument[encoded.Count];
            long bytes = encoded.Sum(e => (long)e.Info.StoredLength);
            ensureSpace(bytes + encoded.Count * 512L);
            int[]? sealedLengths = null;
            if (_keyId.Length > 0)
            {
                if (_cipher is null) throw new InvalidOperationException($"session '{_sessionId}' is encrypted but the store has no key ring");
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
            for (int i = 0; i < encoded.Count; i++)
            {
                docs[i] = SessionDocuments.ToBson(encoded[i].Info);
                docs[i]["seq"] = _nextSeq + i;
                if (sealedLengths is not null) docs[i]["sealed"] = sealedLengths[i];
            }
            // each frame carries its index entry (and a stream's first chunk its descriptor), so the segment alone rebuilds the index
            var offsets = _segment?.Append(encoded.Select((e, i) => (
                Meta(docs[i], encoded[i].Info.Index == 0 ? batches[i].Descriptor : null),
                e.Pieces,
                sealedLengths?[i] ?? e.Info.StoredLength,
                sealedLengths is null ? e.Info.Crc32C : Crc32C.Compute(e.Pieces[0].Span))).ToList());
            _db.BeginTrans();
            try
            {
                for (int i = 0; i < encoded.Count; i++)
                {
                    var doc = docs[i];
                    doc["_id"] = ObjectId.NewObjectId();
                    if (offsets is not null) { doc["frame"] = offsets[i].Frame; doc["seg"] = offsets[i].Data; }
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

    private static byte[] Meta(BsonDocument index, StreamDescriptor? descriptor)
    {
        if (descriptor is null) return BsonSerializer.Serialize(index);
        var meta = new BsonDocument(index) { ["descriptor"] = SessionDocuments.ToBson(descriptor) };
        return BsonSerializer.Serialize(meta);
    }

    /// <summary>Fills in the SHA-256 of chunks that have none yet (it is computed when a chunk is first pulled, not on the recording path).</summary>
    public IReadOnlyList<ChunkInfo> ListChunksWithSha256(string sessionId, ArrayPool<byte> buffers)
    {
        var chunks = ListChunks();
        if (chunks.All(c => c.Sha256Hex.Length > 0)) return chunks;
        var result = new List<ChunkInfo>(chunks.Count);
        foreach (var c in chunks)
        {
            if (c.Sha256Hex.Length > 0) { result.Add(c); continue; }
            string sha;
            try
            {
                using var bytes = RentChunk(sessionId, c, buffers);
                sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes.Memory.Span));
            }
            catch (CorruptChunkException) { result.Add(c); continue; } // unreadable: no hash; reading it again names the damage
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
        var bytes = ReadVerified(sessionId, chunk, pool: null);
        return bytes.Array.Length == bytes.Length ? bytes.Array : bytes.Array.AsSpan(0, bytes.Length).ToArray();
    }

    /// <summary>As <see cref="ReadChunk"/>, into an array of <paramref name="pool"/> where the stored bytes are read from the
    /// segment in the clear (embedded and sealed chunks come back in arrays of their own).</summary>
    public RentedChunk RentChunk(string sessionId, ChunkInfo chunk, ArrayPool<byte> pool)
    {
        var (array, length, pooled) = ReadVerified(sessionId, chunk, pool);
        return new RentedChunk(array, length, pooled ? pool : null);
    }

    /// <summary>The chunk's stored bytes (decrypted, CRC-checked) in the first Length bytes of Array; Pooled when Array
    /// came from the pool (the caller returns it, also when verification throws: this method does).</summary>
    private (byte[] Array, int Length, bool Pooled) ReadVerified(string sessionId, ChunkInfo chunk, ArrayPool<byte>? pool)
    {
        BsonDocument index;
        byte[] bytes;
        int length;
        bool pooled = false;
        lock (_gate)
        {
            index = _index.FindOne(Query.And(Query.EQ("stream", chunk.Stream.Value), Query.EQ("index", chunk.Index)))
                ?? throw new CorruptChunkException($"chunk {chunk.Stream}/{chunk.Index} of session '{sessionId}' is not in its index", missing: true);
            if (index.ContainsKey("seg"))
            {
                length = OnDiskLength(index);
                // sealed chunks are opened into a new array, so only chunks stored in the clear are read into the pool's
                pooled = pool is not null && !index.ContainsKey("sealed");
                bytes = pooled ? pool!.Rent(length) : new byte[length];
                try { _segment!.Read(index["seg"].AsInt64, bytes.AsSpan(0, length)); }
                catch (IOException e)
                {
                    if (pooled) pool!.Return(bytes);
                    throw new CorruptChunkException($"chunk {chunk.Stream}/{chunk.Index} of session '{sessionId}': {e.Message}", missing: true);
                }
            }
            else
            {
                bytes = (_data.FindById(index["_id"]) ?? throw new CorruptChunkException($"chunk {chunk.Stream}/{chunk.Index} of session '{sessionId}' has no data", missing: true))["bytes"].AsBinary;
                length = bytes.Length;
            }
        }
        try
        {
            if (index.ContainsKey("sealed"))
            {
                if (_cipher is null)
                    throw new CorruptChunkException($"chunk {chunk.Stream}/{chunk.Index} of session '{sessionId}' is encrypted and this store has no key ring");
                try { bytes = _cipher.Open(_keyId, bytes.AsSpan(0, length), Aad(chunk.Stream.Value, chunk.Index)); }
                catch (CorruptChunkException e) { throw new CorruptChunkException($"session '{sessionId}': {e.Message}"); }
                length = bytes.Length;
            }
            try
            {
                ChunkFormat.Verify(SessionDocuments.ToChunk(index), bytes.AsSpan(0, length));
            }
            catch (CorruptChunkException e)
            {
                throw new CorruptChunkException($"session '{sessionId}': {e.Message}");
            }
        }
        catch when (pooled)
        {
            pool!.Return(bytes);
            throw;
        }
        return (bytes, length, pooled);
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
                if (doc.ContainsKey("seg"))
                {
                    // the whole frame, meta included, so a rebuild of the index never finds the chunk again
                    long frame = doc.ContainsKey("frame") ? doc["frame"].AsInt64 : doc["seg"].AsInt64 - SegmentFile.LegacyFrameHeaderSize;
                    _segment!.Erase(frame, doc["seg"].AsInt64 + OnDiskLength(doc) - frame);
                }
                else _data.Delete(doc["_id"]);
            }
            _segment?.Flush();
            _db.BeginTrans();
            foreach (var doc in docs) _index.Delete(doc["_id"]);
            _db.Commit();
            return (docs.Count, bytes);
        }
    }

    public void Checkpoint()
    {
        lock (_gate) _db.Checkpoint();
    }

    /// <summary>Closes a session file whose LiteDB engine failed a write (see <see cref="LiteDbEngines"/>).</summary>
    public void Retire()
    {
        lock (_gate)
        {
            LiteDbEngines.Retire(_db);
            _segment?.Dispose();
        }
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
