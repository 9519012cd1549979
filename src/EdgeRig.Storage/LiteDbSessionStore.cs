using System.Collections.Concurrent;
using EdgeRig.Core;
using EdgeRig.Formats;
using LiteDB;

namespace EdgeRig.Storage;

/// <summary>
/// The session store of record: a LiteDB catalogue (catalogue.db: sessions with their streams, counts and
/// markers) plus one LiteDB file per session (sessions/ID.db: a chunk index collection and a chunk data
/// collection), so deleting, transferring or recovering a session touches one file.
/// Each <see cref="WriteChunks"/> call is one LiteDB transaction.
/// </summary>
public sealed class LiteDbSessionStore : ISessionStore
{
    private readonly string _root;
    private readonly LiteDatabase _catalogue;
    private readonly ILiteCollection<BsonDocument> _sessions;
    private readonly ConcurrentDictionary<string, SessionFile> _open = new();
    private readonly object _catalogueGate = new();
    private readonly FileStream _lock;

    private sealed class SessionFile(LiteDatabase db)
    {
        public LiteDatabase Db { get; } = db;
        public ILiteCollection<BsonDocument> Index { get; } = db.GetCollection("chunk_index");
        public ILiteCollection<BsonDocument> Data { get; } = db.GetCollection("chunk_data");
        public ILiteCollection<BsonDocument> Ptp { get; } = db.GetCollection("ptp");
        public Dictionary<string, int> NextIndex { get; } = new();
        public object Gate { get; } = new();
    }

    public LiteDbSessionStore(string dataDirectory)
    {
        _root = Path.GetFullPath(dataDirectory);
        Directory.CreateDirectory(Path.Combine(_root, "sessions"));
        try
        {
            // an exclusive lock (flock) held for the store's lifetime: two services must never share a data directory
            _lock = new FileStream(Path.Combine(_root, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new IOException($"data directory '{_root}' is in use by another EdgeRig service ({e.Message})", e);
        }
        _catalogue = new LiteDatabase(new ConnectionString { Filename = Path.Combine(_root, "catalogue.db"), Connection = ConnectionType.Direct });
        _sessions = _catalogue.GetCollection("sessions");
    }

    public string DataDirectory => _root;

    public string SessionFilePath(string sessionId) => Path.Combine(_root, "sessions", SafeId(sessionId) + ".db");

    public void CreateSession(Session session, IReadOnlyList<StreamDescriptor> streams)
    {
        SafeId(session.Id);
        lock (_catalogueGate)
        {
            if (_sessions.FindById(session.Id) is not null) throw new InvalidRigStateException($"session '{session.Id}' already exists");
            var file = Open(session.Id, create: true);
            file.Index.EnsureIndex("stream_index", "{s: $.stream, i: $.index}", unique: true);
            _sessions.Insert(SessionDocuments.ToBson(session, streams));
        }
    }

    public IReadOnlyList<ChunkInfo> WriteChunks(string sessionId, IReadOnlyList<ChunkBatch> batches)
    {
        var file = Open(sessionId, create: false);
        var written = new List<ChunkInfo>(batches.Count);
        long bytes = 0;
        lock (file.Gate)
        {
            var docs = new List<(BsonDocument Index, BsonDocument Data)>(batches.Count);
            foreach (var batch in batches)
            {
                string stream = batch.Descriptor.Id.Value;
                if (!file.NextIndex.TryGetValue(stream, out int next))
                    next = file.Index.Query().Where("$.stream = @0", stream).Count();
                var (info, stored) = ChunkFormat.Encode(batch.Descriptor, batch.Samples, next);
                file.NextIndex[stream] = next + 1;
                var id = ObjectId.NewObjectId();
                var index = SessionDocuments.ToBson(info);
                index["_id"] = id;
                docs.Add((index, new BsonDocument { ["_id"] = id, ["bytes"] = stored }));
                written.Add(info);
                bytes += stored.Length;
            }
            file.Db.BeginTrans();
            try
            {
                foreach (var (index, data) in docs)
                {
                    file.Data.Insert(data);
                    file.Index.Insert(index);
                }
                file.Db.Commit();
            }
            catch
            {
                file.Db.Rollback();
                foreach (var info in written) file.NextIndex[info.Stream.Value] = Math.Min(file.NextIndex[info.Stream.Value], info.Index);
                throw;
            }
        }
        UpdateSession(sessionId, doc =>
        {
            doc["chunkCount"] = doc["chunkCount"].AsInt32 + written.Count;
            doc["storedBytes"] = doc["storedBytes"].AsInt64 + bytes;
        });
        return written;
    }

    public void AddMarker(string sessionId, Marker marker) =>
        UpdateSession(sessionId, doc => doc["markers"].AsArray.Add(SessionDocuments.ToBson(marker)));

    public void UpdateCounts(string sessionId, IReadOnlyDictionary<string, StreamCounts> counts) =>
        UpdateSession(sessionId, doc => doc["counts"] = SessionDocuments.ToBson(counts));

    public void UpdateSync(string sessionId, IReadOnlyDictionary<string, BoundStats> sync) =>
        UpdateSession(sessionId, doc => doc["sync"] = SessionDocuments.ToBson(sync));

    public void AppendPtp(string sessionId, IReadOnlyList<PtpRecord> records)
    {
        GetSession(sessionId);
        var file = Open(sessionId, create: false);
        lock (file.Gate)
            file.Ptp.InsertBulk(records.Select(SessionDocuments.ToBson));
    }

    public IReadOnlyList<PtpRecord> ReadPtp(string sessionId)
    {
        GetSession(sessionId);
        return Open(sessionId, create: false).Ptp.FindAll().Select(SessionDocuments.ToPtp).OrderBy(r => r.At).ToList();
    }

    public void CloseSession(string sessionId, RigTime stop, SessionState state, string reason)
    {
        UpdateSession(sessionId, doc =>
        {
            doc["stop"] = stop.Nanoseconds;
            doc["state"] = state.ToString();
            doc["stopReason"] = reason;
        });
        if (_open.TryGetValue(sessionId, out var file))
            lock (file.Gate) file.Db.Checkpoint();
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
        var file = Open(sessionId, create: false);
        return file.Index.FindAll().Select(SessionDocuments.ToChunk)
            .OrderBy(c => c.Stream.Value, StringComparer.Ordinal).ThenBy(c => c.Index).ToList();
    }

    public byte[] ReadChunk(string sessionId, ChunkInfo chunk)
    {
        var file = Open(sessionId, create: false);
        var index = file.Index.FindOne(Query.And(Query.EQ("stream", chunk.Stream.Value), Query.EQ("index", chunk.Index)))
            ?? throw new CorruptChunkException($"chunk {chunk.Stream}/{chunk.Index} of session '{sessionId}' is not in its index");
        var data = file.Data.FindById(index["_id"])
            ?? throw new CorruptChunkException($"chunk {chunk.Stream}/{chunk.Index} of session '{sessionId}' has no data");
        byte[] bytes = data["bytes"].AsBinary;
        ChunkFormat.Verify(SessionDocuments.ToChunk(index), bytes);
        return bytes;
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
        foreach (var file in _open.Values) file.Db.Dispose();
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

    private SessionFile Open(string sessionId, bool create)
    {
        string path = SessionFilePath(sessionId);
        return _open.GetOrAdd(sessionId, _ =>
        {
            if (!create && !File.Exists(path)) throw new SessionNotFoundException(sessionId);
            return new SessionFile(new LiteDatabase(new ConnectionString { Filename = path, Connection = ConnectionType.Direct }));
        });
    }

    /// <summary>Session ids become file names: only letters, digits, '-' and '_' are allowed.</summary>
    private static string SafeId(string id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 64 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            throw new SessionNotFoundException(id);
        return id;
    }
}
