using System.Collections.Concurrent;
using EdgeRig.Core;
using EdgeRig.Formats;
using LiteDB;

namespace EdgeRig.Storage;

/// <summary>
/// The session store of record: a LiteDB catalogue (catalogue.db: sessions with their streams, counts, markers)
/// plus per session a LiteDB file (sessions/ID.db: chunk index, PTP timeline) and, in the default
/// <see cref="ChunkPayloadLayout.Segments"/> layout, an append-only segment file of chunk bytes (sessions/ID.seg).
/// Deleting, moving or recovering a session touches only its own files. Each <see cref="WriteChunks"/> call is
/// one durable step: segment bytes fdatasync'd, then one LiteDB transaction for their index.
/// </summary>
public sealed class LiteDbSessionStore : ISessionStore
{
    private readonly string _root;
    private readonly SessionStoreOptions _options;
    private readonly LiteDatabase _catalogue;
    private readonly ILiteCollection<BsonDocument> _sessions;
    private readonly ConcurrentDictionary<string, SessionFile> _open = new();
    private readonly object _catalogueGate = new();
    private readonly DataDirectoryLock _lock;

    public LiteDbSessionStore(string dataDirectory, SessionStoreOptions? options = null)
    {
        _root = Path.GetFullPath(dataDirectory);
        _options = options ?? new SessionStoreOptions();
        Directory.CreateDirectory(Path.Combine(_root, "sessions"));
        _lock = DataDirectoryLock.Acquire(_root); // held for the store's lifetime: two services must never share a data directory
        _catalogue = new LiteDatabase(new ConnectionString { Filename = Path.Combine(_root, "catalogue.db"), Connection = ConnectionType.Direct });
        // a small write-ahead log: LiteDB's page cache grows (in 8 MiB segments it never gives back) with the pages awaiting checkpoint
        _catalogue.CheckpointSize = SessionFile.CheckpointPages;
        _sessions = _catalogue.GetCollection("sessions");
    }

    public string DataDirectory => _root;

    /// <summary>Another collection of the catalogue (tokens, audit): one file of record for everything but sample data.</summary>
    public ILiteCollection<BsonDocument> CatalogueCollection(string name) => _catalogue.GetCollection(name);
    public SessionStoreOptions Options => _options;

    public string SessionFilePath(string sessionId) => Path.Combine(_root, "sessions", SafeId(sessionId) + ".db");

    public long SessionDiskBytes(string sessionId) =>
        SessionFile.PathsOf(SessionFilePath(sessionId)).Where(File.Exists).Sum(p => new FileInfo(p).Length);

    public void CreateSession(Session session, IReadOnlyList<StreamDescriptor> streams)
    {
        SafeId(session.Id);
        EnsureSpace(_options.StartHeadroomBytes);
        lock (_catalogueGate)
        {
            if (_sessions.FindById(session.Id) is not null) throw new InvalidRigStateException($"session '{session.Id}' already exists");
            // a data key of its own, kept only wrapped in this record: deleting the record crypto-shreds the session
            string wrapped = _options.EncryptNewSessions && _options.Cipher is { } cipher ? cipher.NewSessionKey(session.Id) : "";
            Open(session.Id, create: true, wrapped);
            var doc = SessionDocuments.ToBson(session, streams);
            doc["sessionKey"] = wrapped;
            doc["keyId"] = wrapped.Length > 0 ? _options.Cipher!.WrappingKeyOf(wrapped) : "";
            _sessions.Insert(doc);
        }
    }

    public IReadOnlyList<ChunkInfo> WriteChunks(string sessionId, IReadOnlyList<ChunkBatch> batches)
    {
        var file = Open(sessionId, create: false);
        var (written, bytes) = file.Write(batches, EnsureSpace);
        UpdateSession(sessionId, doc =>
        {
            doc["chunkCount"] = doc["chunkCount"].AsInt32 + written.Count;
            doc["storedBytes"] = doc["storedBytes"].AsInt64 + bytes;
        });
        return written;
    }

    /// <exception cref="StorageFullException">writing <paramref name="bytes"/> would go below the free-space reserve.</exception>
    private void EnsureSpace(long bytes)
    {
        long free = FreeBytes();
        if (free >= 0 && free - bytes < _options.FreeSpaceReserveBytes)
            throw new StorageFullException($"disk reserve reached: {free / 1048576.0:0.0} MiB free on the data disk, reserve {_options.FreeSpaceReserveBytes / 1048576.0:0.0} MiB");
    }

    /// <summary>Free bytes on the data disk, or -1 if unknown.</summary>
    public long FreeBytes()
    {
        try { return new DriveInfo(_root).AvailableFreeSpace; }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException) { return -1; }
    }

    public void AddMarker(string sessionId, Marker marker) =>
        UpdateSession(sessionId, doc => doc["markers"].AsArray.Add(SessionDocuments.ToBson(marker)));

    public void UpdateCounts(string sessionId, IReadOnlyDictionary<string, StreamCounts> counts) =>
        UpdateSession(sessionId, doc => doc["counts"] = SessionDocuments.ToBson(counts));

    public void UpdateSync(string sessionId, IReadOnlyDictionary<string, BoundStats> sync) =>
        UpdateSession(sessionId, doc => doc["sync"] = SessionDocuments.ToBson(sync));

    public void SetCalibration(string sessionId, string profile) =>
        UpdateSession(sessionId, doc => doc["calibration"] = profile);

    public void SetQaReport(string sessionId, string verdict, string json) =>
        UpdateSession(sessionId, doc => { doc["qaVerdict"] = verdict; doc["qa"] = json; });

    public void SetRedactionReport(string sessionId, string json) =>
        UpdateSession(sessionId, doc => doc["redaction"] = json);

    public long PurgeStream(string sessionId, string stream, string reason)
    {
        var record = GetSession(sessionId);
        if (record.Session.State == SessionState.Recording)
            throw new InvalidRigStateException($"session '{sessionId}' is still recording; stop it before purging {stream}");
        if (record.Streams.All(s => s.Id.Value != stream))
            throw new ArgumentException($"session '{sessionId}' has no stream '{stream}'");
        var (chunks, bytes) = Open(sessionId, create: false).Purge(stream);
        UpdateSession(sessionId, doc =>
        {
            if (!doc["purged"].IsDocument) doc["purged"] = new BsonDocument();
            doc["purged"].AsDocument[stream] = $"{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ssZ}: {reason}";
            doc["chunkCount"] = Math.Max(0, doc["chunkCount"].AsInt32 - chunks);
            doc["storedBytes"] = Math.Max(0, doc["storedBytes"].AsInt64 - bytes);
        });
        return bytes;
    }

    public void MarkPulled(string sessionId, DateTimeOffset at) =>
        UpdateSession(sessionId, doc => doc["pulledAt"] = at.ToUnixTimeMilliseconds());

    public void AppendPtp(string sessionId, IReadOnlyList<PtpRecord> records)
    {
        GetSession(sessionId);
        Open(sessionId, create: false).AppendPtp(records);
    }

    public IReadOnlyList<PtpRecord> ReadPtp(string sessionId)
    {
        GetSession(sessionId);
        return Open(sessionId, create: false).ReadPtp();
    }

    public void CloseSession(string sessionId, RigTime stop, SessionState state, string reason)
    {
        UpdateSession(sessionId, doc =>
        {
            doc["stop"] = stop.Nanoseconds;
            doc["state"] = state.ToString();
            doc["stopReason"] = reason;
        });
        if (_open.TryGetValue(sessionId, out var file)) file.Checkpoint();
    }

    public IReadOnlyList<SessionRecord> ListSessions()
    {
        lock (_catalogueGate)
            return _sessions.FindAll().Select(SessionDocuments.ToRecord).OrderBy(r => r.Session.Start.Nanoseconds).ToList();
    }

    public SessionRecord GetSession(string sessionId)
    {
        lock (_catalogueGate)
            return SessionDocuments.ToRecord(FindSession(sessionId));
    }

    public IReadOnlyList<ChunkInfo> ListChunks(string sessionId)
    {
        GetSession(sessionId);
        return Open(sessionId, create: false).ListChunks();
    }

    public IReadOnlyList<ChunkInfo> ListChunksWithSha256(string sessionId)
    {
        GetSession(sessionId);
        return Open(sessionId, create: false).ListChunksWithSha256(sessionId);
    }

    public byte[] ReadChunk(string sessionId, ChunkInfo chunk) => Open(sessionId, create: false).ReadChunk(sessionId, chunk);

    public void DeleteSession(string sessionId)
    {
        bool encrypted;
        lock (_catalogueGate)
        {
            var record = SessionDocuments.ToRecord(FindSession(sessionId));
            if (record.Session.State == SessionState.Recording)
                throw new InvalidRigStateException($"session '{sessionId}' is still recording; stop it before deleting");
            encrypted = record.KeyId.Length > 0;
            if (encrypted)
            {
                // overwrite the wrapped key in place and checkpoint before the delete, so the freed page does not keep it
                var doc = FindSession(sessionId);
                doc["sessionKey"] = new string('0', doc["sessionKey"].AsString.Length);
                _sessions.Update(doc);
                _catalogue.Checkpoint();
            }
            if (_open.TryRemove(sessionId, out var file)) file.Dispose();
            foreach (var path in SessionFile.PathsOf(SessionFilePath(sessionId)).Where(File.Exists))
                File.Move(path, path + ".deleting", overwrite: true);
            _sessions.Delete(sessionId);
        }
        // secure delete, outside the catalogue lock (recording goes on). An encrypted session is crypto-shredded by the record's
        // deletion above (its wrapped data key was only there); a clear one is overwritten and made durable, then unlinked.
        foreach (var path in SessionFile.PathsOf(SessionFilePath(sessionId)).Select(p => p + ".deleting").Where(File.Exists))
        {
            if (encrypted) File.Delete(path);
            else Shred(path);
        }
    }

    /// <summary>Overwrites a file with zeros, syncs, then deletes it. (On flash, wear levelling may keep old blocks: encryption at rest is what protects those.)</summary>
    private static void Shred(string path)
    {
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Write);
            long length = RandomAccess.GetLength(handle);
            var zeros = new byte[1 << 20];
            for (long at = 0; at < length; at += zeros.Length)
                RandomAccess.Write(handle, zeros.AsSpan(0, (int)Math.Min(zeros.Length, length - at)), at);
            RandomAccess.FlushToDisk(handle);
        }
        catch (IOException) { /* still deleted below */ }
        File.Delete(path);
    }

    public IReadOnlyList<string> RecoverOpenSessions()
    {
        var recovered = new List<string>();
        foreach (var record in ListSessions().Where(r => r.Session.State == SessionState.Recording))
        {
            string id = record.Session.Id;
            var chunks = File.Exists(SessionFilePath(id)) ? ListChunks(id) : [];
            var lastDurable = chunks.Count > 0 ? chunks.Max(c => c.LastRigTime) : record.Session.Start;
            var counts = record.Streams.ToDictionary(s => s.Id.Value, s =>
            {
                long recordedNow = chunks.Where(c => c.Stream == s.Id).Sum(c => (long)c.Count);
                var saved = record.Counts.GetValueOrDefault(s.Id.Value, StreamCounts.Empty);
                return new StreamCounts(Math.Max(saved.Produced, recordedNow + saved.Dropped), recordedNow, saved.Dropped, saved.SensorGaps);
            });
            UpdateSession(id, doc =>
            {
                doc["counts"] = SessionDocuments.ToBson(counts);
                doc["chunkCount"] = chunks.Count;
                doc["storedBytes"] = chunks.Sum(c => (long)c.StoredLength);
            });
            CloseSession(id, lastDurable, SessionState.Recovered, "recovered after an unclean shutdown; stop time is the last durable sample");
            recovered.Add(id);
        }
        return recovered;
    }

    public void Dispose()
    {
        foreach (var file in _open.Values) file.Dispose();
        _open.Clear();
        _catalogue.Dispose();
        _lock.Dispose();
    }

    private BsonDocument FindSession(string sessionId) =>
        _sessions.FindById(SafeId(sessionId)) ?? throw new SessionNotFoundException(sessionId);

    private void UpdateSession(string sessionId, Action<BsonDocument> change)
    {
        lock (_catalogueGate)
        {
            var doc = FindSession(sessionId);
            change(doc);
            _sessions.Update(doc);
        }
    }

    private SessionFile Open(string sessionId, bool create, string? keyId = null)
    {
        string path = SessionFilePath(sessionId);
        return _open.GetOrAdd(sessionId, _ =>
        {
            if (!create && !File.Exists(path)) throw new SessionNotFoundException(sessionId);
            string key = keyId ?? KeyOf(sessionId);
            return new SessionFile(path, _options.Layout, sessionId, _options.Cipher, key);
        });
    }

    private string KeyOf(string sessionId)
    {
        lock (_catalogueGate)
            return _sessions.FindById(sessionId) is { } doc && doc["sessionKey"].IsString ? doc["sessionKey"].AsString : "";
    }

    /// <summary>Session ids become file names: only letters, digits, '-' and '_' are allowed.</summary>
    private static string SafeId(string id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 64 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            throw new SessionNotFoundException(id);
        return id;
    }
}
