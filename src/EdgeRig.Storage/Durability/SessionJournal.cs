using EdgeRig.Core;
using LiteDB;

namespace EdgeRig.Storage.Durability;

/// <summary>
/// A session's own metadata, beside its segment (sessions/ID.journal): a <see cref="RecordLog"/> of BSON records. The first
/// holds the whole catalogue record as it was created (name, operator, tags, start, streams, calibration, wrapped data key);
/// the rest are changes: fields set, markers added, PTP polls. Replayed, they give the session's catalogue record, so the
/// catalogue can always be rebuilt from the session files.
/// </summary>
internal sealed class SessionJournal : IDisposable
{
    private readonly RecordLog _log;

    private SessionJournal(RecordLog log) => _log = log;

    public string Path => _log.Path;

    /// <summary>Creates the journal with the session's first record, durably (file and directory entry).</summary>
    public static SessionJournal Create(string path, BsonDocument session, FileLayer? files = null)
    {
        if (File.Exists(path)) throw new InvalidRigStateException($"session journal '{path}' already exists");
        var (log, _) = RecordLog.Open(path, files);
        var journal = new SessionJournal(log);
        journal.Append(new BsonDocument { ["op"] = "create", ["session"] = session }, sync: true);
        return journal;
    }

    public static SessionJournal OpenExisting(string path, FileLayer? files = null) => new(RecordLog.Open(path, files).Log);

    /// <summary>Fields set on the session record.</summary>
    public void Set(BsonDocument fields, bool sync) => Append(new BsonDocument { ["op"] = "set", ["fields"] = fields }, sync);

    public void AddMarker(BsonDocument marker) => Append(new BsonDocument { ["op"] = "marker", ["marker"] = marker }, sync: true);

    /// <summary>PTP polls: the session's timeline, durable with the next synced record.</summary>
    public void AddPtp(IEnumerable<BsonDocument> records) =>
        Append(new BsonDocument { ["op"] = "ptp", ["records"] = new BsonArray(records) }, sync: false);

    private void Append(BsonDocument record, bool sync) => _log.Append(BsonSerializer.Serialize(record), sync);

    public void Dispose() => _log.Dispose();

    /// <summary>The session record and PTP timeline a journal holds; null when it has no readable first record.</summary>
    public static Replayed? Replay(string path)
    {
        var contents = RecordLog.Read(path);
        BsonDocument? session = null;
        var ptp = new List<BsonDocument>();
        foreach (var bytes in contents.Records)
        {
            BsonDocument record;
            try { record = BsonSerializer.Deserialize(bytes); }
            catch (Exception e) when (e is not OutOfMemoryException) { continue; } // its CRC held, so it was written so: skip it
            switch (record["op"].AsString)
            {
                case "create" when session is null:
                    session = record["session"].AsDocument;
                    break;
                case "set" when session is not null:
                    foreach (var (k, v) in record["fields"].AsDocument) session[k] = v;
                    break;
                case "marker" when session is not null:
                    session["markers"].AsArray.Add(record["marker"]);
                    break;
                case "ptp":
                    ptp.AddRange(record["records"].AsArray.Select(r => r.AsDocument));
                    break;
            }
        }
        return session is null ? null : new Replayed(session, ptp, contents.Damaged);
    }

    public sealed record Replayed(BsonDocument Session, IReadOnlyList<BsonDocument> Ptp, IReadOnlyList<(long From, long To)> Damaged);
}
