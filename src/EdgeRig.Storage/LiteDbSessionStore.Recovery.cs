using EdgeRig.Core;
using EdgeRig.Storage.Durability;
using LiteDB;

namespace EdgeRig.Storage;

/// <summary>Opening the store: the catalogue checked (moved aside and rebuilt when damaged), restored from the journals, and
/// sessions left recording recovered from their own files.</summary>
public sealed partial class LiteDbSessionStore
{
    /// <summary>The collections whose only copy is the catalogue: a catalogue journal starts with their contents.</summary>
    private static readonly string[] JournaledNames = ["tokens", "audit", "consent", "consent_confirmations", "calibration"];

    private string CataloguePath => Path.Combine(_root, "catalogue.db");

    private LiteDatabase OpenCatalogue()
    {
        try
        {
            return OpenAndProbe(CataloguePath);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            string stamp = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss");
            foreach (var p in new[] { CataloguePath, Path.Combine(_root, "catalogue-log.db") }.Where(File.Exists))
                File.Move(p, $"{p}.damaged-{stamp}", overwrite: true);
            _files.SyncDirectory(_root);
            _repairs.Enqueue($"catalogue {CataloguePath} could not be read ({e.GetType().Name}: {e.Message}); moved to catalogue.db.damaged-{stamp} " +
                "and rebuilt from catalogue.journal and the session journals");
            return OpenAndProbe(CataloguePath);
        }
    }

    /// <summary>Opens a catalogue and reads every document of it once, so damage shows here and not in a later call.</summary>
    private static LiteDatabase OpenAndProbe(string path)
    {
        var db = new LiteDatabase(new ConnectionString { Filename = path, Connection = ConnectionType.Direct });
        try
        {
            // a small write-ahead log: LiteDB's page cache grows (in 8 MiB segments it never gives back) with the pages awaiting checkpoint
            db.CheckpointSize = SessionFile.CheckpointPages;
            foreach (var name in db.GetCollectionNames().ToList())
                foreach (var doc in db.GetCollection(name).FindAll()) _ = doc.Keys.Count;
            foreach (var doc in db.GetCollection("sessions").FindAll()) SessionDocuments.ToRecord(doc);
            return db;
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    /// <summary>Opens catalogue.journal: a new one starts as a snapshot of the catalogue's own collections (a data directory
    /// from before the journal); an existing one is replayed, restoring what the catalogue lost.</summary>
    private RecordLog OpenCatalogueJournal()
    {
        string path = Path.Combine(_root, "catalogue.journal");
        bool existed = File.Exists(path);
        var (log, contents) = RecordLog.Open(path, _files);
        if (!existed)
        {
            log.AppendMany(JournaledCollection.Snapshot(_catalogue, JournaledNames).ToList(), sync: true);
            return log;
        }
        foreach (var (from, to) in contents.Damaged)
            _repairs.Enqueue($"catalogue.journal bytes {from}..{to} are damaged and were skipped");
        _catalogue.BeginTrans();
        int changed = JournaledCollection.Replay(_catalogue, contents.Records);
        _catalogue.Commit();
        if (changed > 0) _repairs.Enqueue($"catalogue.journal restored {changed} token, consent, calibration or audit record(s) the catalogue had lost");
        return log;
    }

    /// <summary>Makes the catalogue's session list agree with the session journals: records restored or added from them, and
    /// journals written for sessions that have none yet (a data directory from before the journal).</summary>
    private void RestoreSessionsFromJournals()
    {
        string dir = Path.Combine(_root, "sessions");
        var cached = _sessions.FindAll().ToDictionary(d => d["_id"].AsString);
        var journaled = new HashSet<string>();
        var stale = new List<string>();
        foreach (var path in Directory.EnumerateFiles(dir, "*.journal"))
        {
            string id = Path.GetFileNameWithoutExtension(path);
            SessionJournal.Replayed? replayed;
            try { replayed = SessionJournal.Replay(path); }
            catch (IOException e) { _repairs.Enqueue($"session journal {path} cannot be read: {e.Message}"); continue; }
            if (replayed is null) continue; // created but never acknowledged: its first record is not whole
            journaled.Add(id);
            foreach (var (from, to) in replayed.Damaged) _repairs.Enqueue($"session '{id}': journal bytes {from}..{to} are damaged and were skipped");
            var doc = replayed.Session;
            var had = cached.GetValueOrDefault(id);
            doc["chunkCount"] = had?["chunkCount"] ?? 0;
            doc["storedBytes"] = had?["storedBytes"] ?? 0L;
            if (had is null || had.CompareTo(doc) != 0)
            {
                _sessions.Upsert(doc);
                if (had is null) _repairs.Enqueue($"session '{id}' was missing from the catalogue: restored from its journal");
                stale.Add(id);
            }
        }
        // the catalogue's chunk totals are derived from the index: recount those of records it had lost or had stale
        foreach (var id in stale)
        {
            if (FindSession(id)["state"].AsString == nameof(SessionState.Recording)) continue; // RecoverOpenSessions recounts these
            var chunks = Open(id, create: false).ListChunks();
            UpdateCatalogue(id, d =>
            {
                d["chunkCount"] = chunks.Count;
                d["storedBytes"] = chunks.Sum(c => (long)c.StoredLength);
            });
        }
        foreach (var (id, doc) in cached.Where(kv => !journaled.Contains(kv.Key)))
            if (!File.Exists(JournalPath(id))) SessionJournal.Create(JournalPath(id), doc, _files).Dispose();
        foreach (var seg in Directory.EnumerateFiles(dir, "*.seg"))
        {
            string id = Path.GetFileNameWithoutExtension(seg);
            if (!journaled.Contains(id) && !cached.ContainsKey(id)) RecoverOrphan(id, seg);
        }
        _files.SyncDirectory(dir);
    }

    /// <summary>A segment with no journal and no catalogue record: its frames name its streams (a stream's first frame
    /// carries its descriptor) and times, enough to list it as recovered.</summary>
    private void RecoverOrphan(string id, string segmentPath)
    {
        var frames = new List<BsonDocument>();
        using (var segment = new SegmentFile(segmentPath, _files))
            foreach (var f in segment.Scan(0, _ => false, []))
            {
                try { frames.Add(BsonSerializer.Deserialize(f.Meta)); }
                catch (Exception e) when (e is not OutOfMemoryException) { /* its CRC held; an unreadable meta is skipped */ }
            }
        var descriptors = frames.Where(m => m["descriptor"].IsDocument).Select(m => SessionDocuments.ToStream(m["descriptor"].AsDocument))
            .DistinctBy(d => d.Id).ToList();
        if (frames.Count == 0 || descriptors.Count == 0)
        {
            _repairs.Enqueue($"segment {segmentPath} has no session journal and no readable chunk frame: left as it is");
            return;
        }
        bool sealedChunks = frames.Any(m => m.ContainsKey("sealed"));
        var start = new RigTime(frames.Min(m => m["firstRig"].AsInt64));
        var session = new Session(id, $"recovered {id}", "", new Dictionary<string, string>(), start, null, SessionState.Recording, "");
        var doc = SessionDocuments.ToBson(session, descriptors);
        doc["sessionKey"] = "";
        doc["keyId"] = sealedChunks ? "lost" : "";
        SessionJournal.Create(JournalPath(id), doc, _files).Dispose();
        _sessions.Upsert(doc);
        _repairs.Enqueue($"session '{id}' had only its segment: listed again from its {frames.Count} chunk frames" +
            (sealedChunks ? " (its chunks are encrypted and its data key is lost with its journal: they cannot be read)" : ""));
    }

    public IReadOnlyList<string> RepairSession(string sessionId)
    {
        var record = GetSession(sessionId);
        if (record.Session.State == SessionState.Recording)
            throw new InvalidRigStateException($"session '{sessionId}' is still recording; stop it before repairing it");
        lock (_catalogueGate)
        {
            if (_open.TryRemove(sessionId, out var open)) open.Dispose();
            var file = new SessionFile(SessionFilePath(sessionId), _options.Layout, sessionId, _options.Cipher, KeyOf(sessionId), verify: true,
                PurgedOf(sessionId), _files, rebuild: true);
            _open[sessionId] = file;
            var chunks = file.ListChunks();
            UpdateCatalogue(sessionId, doc =>
            {
                doc["chunkCount"] = chunks.Count;
                doc["storedBytes"] = chunks.Sum(c => (long)c.StoredLength);
            });
            return [.. file.Repairs, $"{chunks.Count} chunk(s) indexed"];
        }
    }

    public IReadOnlyList<string> RecoverOpenSessions()
    {
        var recovered = new List<string>();
        foreach (var record in ListSessions().Where(r => r.Session.State == SessionState.Recording))
        {
            string id = record.Session.Id;
            if (_open.TryRemove(id, out var stale)) stale.Dispose();
            var file = Open(id, create: true, verify: true); // the whole segment against the index: its tail may be unindexed
            var chunks = file.ListChunks();
            var lastDurable = chunks.Count > 0 ? chunks.Max(c => c.LastRigTime) : record.Session.Start;
            var lost = new List<string>();
            var counts = record.Streams.ToDictionary(s => s.Id.Value, s =>
            {
                long recordedNow = chunks.Where(c => c.Stream == s.Id).Sum(c => (long)c.Count);
                var saved = record.Counts.GetValueOrDefault(s.Id.Value, StreamCounts.Empty);
                long lostAtCrash = Math.Max(0, saved.Produced - saved.Dropped - recordedNow);
                if (lostAtCrash > 0) lost.Add($"{s.Id} {lostAtCrash}");
                return new StreamCounts(recordedNow + saved.Dropped, recordedNow, saved.Dropped, saved.SensorGaps);
            });
            UpdateCatalogue(id, doc =>
            {
                doc["chunkCount"] = chunks.Count;
                doc["storedBytes"] = chunks.Sum(c => (long)c.StoredLength);
            });
            SetFields(id, new BsonDocument { ["counts"] = SessionDocuments.ToBson(counts) }, sync: false);
            string reason = "recovered after an unclean shutdown; stop time is the last durable sample" +
                (lost.Count > 0 ? $"; lost at crash (produced, never flushed): {string.Join(", ", lost)}" : "");
            CloseSession(id, lastDurable, SessionState.Recovered, reason);
            recovered.Add(id);
        }
        return recovered;
    }
}
