using System.Collections.Concurrent;
using EdgeRig.Core;
using EdgeRig.Formats;
using EdgeRig.Storage.Durability;
using LiteDB;

namespace EdgeRig.Storage;

/// <summary>
/// The session store of record. Per session, its own files in sessions/: ID.seg (append-only chunk frames, each carrying
/// its index entry), ID.journal (the session's metadata and every change to it) and ID.db (a LiteDB index of the
/// segment). The catalogue (catalogue.db, LiteDB) lists sessions as a cache of their journals, and holds what only it has
/// (tokens, consent, calibration profiles, audit) as <see cref="JournaledCollection"/>s backed by catalogue.journal.
/// What is acknowledged is synced first (see README "Durability"): a session exists durably once <see cref="CreateSession"/>
/// returns; <see cref="WriteChunks"/>' chunks are durable when it returns (segment fdatasync'd; its index is rebuilt from the
/// segment if lost); markers, calibration, QA reports, stop and the journaled collections are durable when their call
/// returns. At open, a damaged catalogue is moved aside and rebuilt, journals restore what it lost, and sessions left
/// recording are re-indexed from their segments (<see cref="RecoverOpenSessions"/>).
/// </summary>
public sealed partial class LiteDbSessionStore : ISessionStore
{
    private readonly string _root;
    private readonly SessionStoreOptions _options;
    private LiteDatabase _catalogue;
    private ILiteCollection<BsonDocument> _sessions;
    private volatile string? _catalogueFailure;
    private readonly ConcurrentDictionary<string, SessionFile> _open = new();
    private readonly ConcurrentDictionary<string, SessionJournal> _journals = new();
    private readonly ConcurrentDictionary<string, JournaledCollection> _journaled = new();
    private readonly object _catalogueGate = new();
    private readonly DataDirectoryLock _lock;
    private readonly FileLayer _files;
    private readonly RecordLog _catalogueJournal;
    private readonly ConcurrentQueue<string> _repairs = new();

    public LiteDbSessionStore(string dataDirectory, SessionStoreOptions? options = null)
    {
        _root = Path.GetFullPath(dataDirectory);
        _options = options ?? new SessionStoreOptions();
        Directory.CreateDirectory(Path.Combine(_root, "sessions"));
        _lock = DataDirectoryLock.Acquire(_root); // held for the store's lifetime: two services must never share a data directory
        _files = _options.Files;
        _files.SyncDirectory(_root);
        _files.SyncDirectory(Path.Combine(_root, "sessions"));
        _catalogue = OpenCatalogue();
        _sessions = _catalogue.GetCollection("sessions");
        _catalogueJournal = OpenCatalogueJournal();
        RestoreSessionsFromJournals();
    }

    public string DataDirectory => _root;

    /// <summary>A collection whose only copy is the catalogue (tokens, consent, audit, calibration): every write is journaled
    /// and synced before it returns.</summary>
    public JournaledCollection CatalogueCollection(string name) =>
        _journaled.GetOrAdd(name, n => new JournaledCollection(n, () => Catalogue.GetCollection(n), CatalogueWrite, _catalogueJournal, _catalogueGate));

    /// <summary>What the store had to repair or restore since it opened (the service logs and audits them).</summary>
    public IReadOnlyCollection<string> Repairs => _repairs;
    public SessionStoreOptions Options => _options;

    public string SessionFilePath(string sessionId) => Path.Combine(_root, "sessions", SafeId(sessionId) + ".db");

    private string JournalPath(string sessionId) => Path.ChangeExtension(SessionFilePath(sessionId), ".journal");

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
            var doc = SessionDocuments.ToBson(session, streams);
            doc["sessionKey"] = wrapped;
            doc["keyId"] = wrapped.Length > 0 ? _options.Cipher!.WrappingKeyOf(wrapped) : "";
            // the session's own record first (synced, directory entry too), then its segment and index: it can always be rebuilt
            string journalPath = JournalPath(session.Id);
            if (File.Exists(journalPath)) throw new InvalidRigStateException($"session '{session.Id}' already exists");
            _journals[session.Id] = SessionJournal.Create(journalPath, doc, _files);
            Open(session.Id, create: true, wrapped);
            _files.SyncDirectory(Path.GetDirectoryName(journalPath)!);
            CatalogueWrite(() => _sessions.Insert(doc));
        }
    }

    public IReadOnlyList<ChunkInfo> WriteChunks(string sessionId, IReadOnlyList<ChunkBatch> batches) =>
        WriteChunks(sessionId, batches, EnsureSpace);

    public IReadOnlyList<ChunkInfo> WriteChunksIntoReserve(string sessionId, IReadOnlyList<ChunkBatch> batches) =>
        WriteChunks(sessionId, batches, bytes => EnsureSpace(bytes, _options.FreeSpaceReserveBytes / 4));

    private IReadOnlyList<ChunkInfo> WriteChunks(string sessionId, IReadOnlyList<ChunkBatch> batches, Action<long> ensureSpace)
    {
        var file = Open(sessionId, create: false);
        var (written, bytes) = file.Write(batches, ensureSpace);
        // derived from the index, so not journaled
        UpdateCatalogue(sessionId, doc =>
        {
            doc["chunkCount"] = doc["chunkCount"].AsInt32 + written.Count;
            doc["storedBytes"] = doc["storedBytes"].AsInt64 + bytes;
        });
        return written;
    }

    /// <exception cref="StorageFullException">writing <paramref name="bytes"/> would go below the free-space reserve.</exception>
    private void EnsureSpace(long bytes) => EnsureSpace(bytes, _options.FreeSpaceReserveBytes);

    private void EnsureSpace(long bytes, long keep)
    {
        long free = FreeBytes();
        if (free >= 0 && free - bytes < keep)
            throw new StorageFullException($"disk reserve reached: {free / 1048576.0:0.0} MiB free on the data disk, reserve {_options.FreeSpaceReserveBytes / 1048576.0:0.0} MiB",
                reserveReached: true);
    }

    /// <summary>Free bytes on the data disk, or -1 if unknown.</summary>
    public long FreeBytes()
    {
        try { return new DriveInfo(_root).AvailableFreeSpace; }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException) { return -1; }
    }

    public void AddMarker(string sessionId, Marker marker)
    {
        var bson = SessionDocuments.ToBson(marker);
        lock (_catalogueGate)
        {
            var doc = FindSession(sessionId);
            Journal(sessionId).AddMarker(bson);
            doc["markers"].AsArray.Add(bson);
            CatalogueWrite(() => _sessions.Update(doc));
        }
    }

    // counts and sync bounds change every second while recording: journaled, made durable by the next synced record
    public void UpdateCounts(string sessionId, IReadOnlyDictionary<string, StreamCounts> counts) =>
        SetFields(sessionId, new BsonDocument { ["counts"] = SessionDocuments.ToBson(counts) }, sync: false, deferrable: true);

    public void UpdateSync(string sessionId, IReadOnlyDictionary<string, BoundStats> sync) =>
        SetFields(sessionId, new BsonDocument { ["sync"] = SessionDocuments.ToBson(sync) }, sync: false, deferrable: true);

    public void SetCalibration(string sessionId, string profile) =>
        SetFields(sessionId, new BsonDocument { ["calibration"] = profile }, sync: true);

    public void SetQaReport(string sessionId, QaVerdict verdict, string json) =>
        SetFields(sessionId, new BsonDocument { ["qaVerdict"] = verdict.Name(), ["qa"] = json }, sync: true);

    public void SetRedactionReport(string sessionId, string json) =>
        SetFields(sessionId, new BsonDocument { ["redaction"] = json }, sync: true);

    public long PurgeStream(string sessionId, string stream, string reason)
    {
        var record = GetSession(sessionId);
        if (record.Session.State == SessionState.Recording)
            throw new InvalidRigStateException($"session '{sessionId}' is still recording; stop it before purging {stream}");
        if (record.Streams.All(s => s.Id.Value != stream))
            throw new ArgumentException($"session '{sessionId}' has no stream '{stream}'");
        var purged = new BsonDocument();
        foreach (var (k, v) in record.Purged) purged[k] = v;
        purged[stream] = $"{_options.Time.GetUtcNow():yyyy-MM-ddTHH:mm:ssZ}: {reason}";
        // noted (synced) before the erase, so a rebuilt index never brings the stream back
        SetFields(sessionId, new BsonDocument { ["purged"] = purged }, sync: true);
        var (chunks, bytes) = Open(sessionId, create: false).Purge(stream);
        UpdateCatalogue(sessionId, doc =>
        {
            doc["chunkCount"] = Math.Max(0, doc["chunkCount"].AsInt32 - chunks);
            doc["storedBytes"] = Math.Max(0, doc["storedBytes"].AsInt64 - bytes);
        });
        return bytes;
    }

    public void MarkPulled(string sessionId, DateTimeOffset at) =>
        SetFields(sessionId, new BsonDocument { ["pulledAt"] = at.ToUnixTimeMilliseconds() }, sync: true);

    public void AppendPtp(string sessionId, IReadOnlyList<PtpRecord> records)
    {
        GetSession(sessionId);
        Journal(sessionId).AddPtp(records.Select(SessionDocuments.ToBson));
    }

    public IReadOnlyList<PtpRecord> ReadPtp(string sessionId)
    {
        GetSession(sessionId);
        var replayed = SessionJournal.Replay(JournalPath(sessionId));
        return replayed is null ? [] : replayed.Ptp.Select(SessionDocuments.ToPtp).OrderBy(r => r.At).ToList();
    }

    public void CloseSession(string sessionId, RigTime stop, SessionState state, string reason)
    {
        SetFields(sessionId, new BsonDocument { ["stop"] = stop.Nanoseconds, ["state"] = state.ToString(), ["stopReason"] = reason }, sync: true, deferrable: true);
        if (!_open.TryGetValue(sessionId, out var file)) return;
        long free = FreeBytes();
        if (free >= 0 && free < ReopenRoomBytes) return; // the index is a cache of the segment: it is checked when next opened
        try { file.Checkpoint(); }
        catch (Exception e) when (e is IOException or LiteException)
        {
            // a failed LiteDB write breaks its engine: drop this one, the next access opens the index again (and repairs it)
            if (_open.TryRemove(sessionId, out var broken)) broken.Retire();
            _repairs.Enqueue($"session '{sessionId}': its index could not be checkpointed at close ({e.Message}); it is opened again when next used");
        }
    }

    public IReadOnlyList<SessionRecord> ListSessions()
    {
        lock (_catalogueGate)
            return Catalogue.GetCollection("sessions").FindAll().Select(SessionDocuments.ToRecord).OrderBy(r => r.Session.Start.Nanoseconds).ToList();
    }

    public SessionRecord GetSession(string sessionId)
    {
        lock (_catalogueGate)
            return SessionDocuments.ToRecord(FindSession(sessionId));
    }

    public IReadOnlyList<ChunkInfo> ListChunks(string sessionId)
    {
        GetSession(sessionId);
        return Reading(sessionId, f => f.ListChunks());
    }

    public IReadOnlyList<ChunkInfo> ListChunksWithSha256(string sessionId)
    {
        GetSession(sessionId);
        return Reading(sessionId, f => f.ListChunksWithSha256(sessionId, ChunkBuffers));
    }

    public byte[] ReadChunk(string sessionId, ChunkInfo chunk) => Reading(sessionId, f => f.ReadChunk(sessionId, chunk));

    /// <summary><see cref="ReadChunk"/> into a buffer lent from a small pool (the pull's reads), given back by disposing it.</summary>
    public RentedChunk RentChunk(string sessionId, ChunkInfo chunk) => Reading(sessionId, f => f.RentChunk(sessionId, chunk, ChunkBuffers));

    /// <summary>A read of an open session file. Reads write too (the index keeps the chunks' hashes once computed): a write that
    /// fails (a full disk) breaks that LiteDB engine for good, so it is dropped and the next access opens the index again —
    /// once space returns, the session reads as before instead of failing until a restart.</summary>
    private T Reading<T>(string sessionId, Func<SessionFile, T> read)
    {
        var file = Open(sessionId, create: false);
        try
        {
            return read(file);
        }
        catch (Exception e) when (e is IOException or LiteException && e is not StorageFullException { ReserveReached: true })
        {
            if (_open.TryRemove(new KeyValuePair<string, SessionFile>(sessionId, file))) file.Retire();
            throw;
        }
    }

    /// <summary>Buffers for chunk reads: two kept, for a pull and a second reader (ArrayPool.Shared would keep one for every
    /// thread that ever read a chunk, each a power of two).</summary>
    internal static readonly ChunkBufferPool ChunkBuffers = new(keep: 2);

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
                CatalogueWrite(() => { _sessions.Update(doc); _catalogue.Checkpoint(); });
            }
            if (_open.TryRemove(sessionId, out var file)) file.Dispose();
            if (_journals.TryRemove(sessionId, out var journal)) journal.Dispose();
            foreach (var path in SessionFile.PathsOf(SessionFilePath(sessionId)).Where(File.Exists))
                File.Move(path, path + ".deleting", overwrite: true);
            CatalogueWrite(() => _sessions.Delete(sessionId));
        }
        // secure delete, outside the catalogue lock (recording goes on). An encrypted session is crypto-shredded by the record's
        // deletion above and the journal's overwrite (its wrapped data key was only there); a clear one is overwritten and made
        // durable, then unlinked.
        string journalPath = JournalPath(sessionId) + ".deleting";
        foreach (var path in SessionFile.PathsOf(SessionFilePath(sessionId)).Select(p => p + ".deleting").Where(File.Exists))
        {
            if (encrypted && path != journalPath) File.Delete(path);
            else Shred(path);
        }
        _files.SyncDirectory(Path.GetDirectoryName(journalPath)!);
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

    public void Dispose()
    {
        foreach (var file in _open.Values) file.Dispose();
        _open.Clear();
        foreach (var journal in _journals.Values) journal.Dispose();
        _journals.Clear();
        _catalogue.Dispose();
        _catalogueJournal.Dispose();
        _lock.Dispose();
    }

    private BsonDocument FindSession(string sessionId)
    {
        TryReopenCatalogue();
        return _sessions.FindById(SafeId(sessionId)) ?? throw new SessionNotFoundException(sessionId);
    }

    /// <summary>Sets fields of the session's record: journaled (synced when <paramref name="sync"/>), then cached in the catalogue.</summary>
    /// <param name="deferrable">the recorder's own bookkeeping (counts, close): on a full disk it is kept and written once space
    /// returns (or the session is recovered at the next start) instead of failing the recorder's shutdown.</param>
    private void SetFields(string sessionId, BsonDocument fields, bool sync, bool deferrable = false)
    {
        lock (_catalogueGate)
        {
            try
            {
                var doc = FindSession(sessionId);
                Journal(sessionId).Set(fields, sync);
                foreach (var (k, v) in fields) doc[k] = v;
                CatalogueWrite(() => _sessions.Update(doc));
            }
            catch (StorageFullException) when (deferrable)
            {
                // written again (journal and catalogue; setting the same fields twice is harmless) once there is room
                _deferred.Enqueue((sessionId, fields));
            }
        }
    }

    /// <summary>Changes fields of the catalogue's cached record that the session's own files already hold.</summary>
    private void UpdateCatalogue(string sessionId, Action<BsonDocument> change)
    {
        lock (_catalogueGate)
        {
            var doc = FindSession(sessionId);
            change(doc);
            CatalogueWrite(() => _sessions.Update(doc));
        }
    }

    private SessionJournal Journal(string sessionId) =>
        _journals.GetOrAdd(sessionId, id =>
        {
            string path = JournalPath(id);
            if (!File.Exists(path)) throw new SessionNotFoundException(id);
            return SessionJournal.OpenExisting(path, _files);
        });

    private SessionFile Open(string sessionId, bool create, string? keyId = null, bool verify = false)
    {
        string path = SessionFilePath(sessionId);
        return _open.GetOrAdd(sessionId, _ =>
        {
            if (!create && !File.Exists(path) && !File.Exists(Path.ChangeExtension(path, ".seg"))) throw new SessionNotFoundException(sessionId);
            string key = keyId ?? KeyOf(sessionId);
            var file = new SessionFile(path, _options.Layout, sessionId, _options.Cipher, key, verify, PurgedOf(sessionId), _files);
            foreach (var repair in file.Repairs) _repairs.Enqueue($"session '{sessionId}': {repair}");
            return file;
        });
    }

    private IReadOnlyCollection<string> PurgedOf(string sessionId)
    {
        lock (_catalogueGate)
            return _sessions.FindById(sessionId) is { } doc && doc["purged"].IsDocument ? doc["purged"].AsDocument.Keys.ToList() : [];
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
