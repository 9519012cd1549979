using EdgeRig.Core;
using EdgeRig.Formats;
using EdgeRig.Privacy;
using EdgeRig.Storage.Durability;

namespace EdgeRig.Storage.Tests;

/// <summary>
/// What a power cut or damage can leave behind, made on real files: a catalogue that lost its last writes or cannot be
/// read, a session index that lost its last transactions or cannot be read, a segment alone. Each must come back with
/// nothing acknowledged lost.
/// </summary>
public sealed class DurabilityTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "edgerig-durable-" + Guid.NewGuid().ToString("N"));
    private static readonly StreamDescriptor Imu = new(new StreamId("imu0"), Modality.Imu, Encodings.Imu6, 400, "", "imu0", "imu0");
    private static readonly StreamDescriptor Cam = new(new StreamId("cam0"), Modality.Camera, Encodings.Jpeg, 30, "", "cam0", "cam0");

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private LiteDbSessionStore Open(IChunkCipher? cipher = null) =>
        new(_dir, new SessionStoreOptions { FreeSpaceReserveBytes = 0, Cipher = cipher, EncryptNewSessions = cipher is not null });

    private string SessionPath(string id, string ext) => Path.Combine(_dir, "sessions", id + ext);

    private static Session NewSession(string id) =>
        new(id, "field run", "ana", new Dictionary<string, string> { ["site"] = "quay" }, new RigTime(1_000), null, SessionState.Recording, "rig");

    private static List<Sample> Samples(StreamDescriptor d, long first, int count, int size) =>
        Enumerable.Range(0, count).Select(i => new Sample(d.Id, first + i, new SensorTime(first + i), new HostTime((first + i) * 1000),
            new RigTimestamp(new RigTime(2_000 + (first + i) * 1000), new Duration(5)), Enumerable.Repeat((byte)(i % 251), size).ToArray())).ToList();

    /// <summary>A closed session with three chunks per stream, a marker, calibration and QA; a token, a consent record and an audit entry.</summary>
    private (string Secret, string ConsentId) RecordEverything(LiteDbSessionStore store, string id = "s1")
    {
        store.CreateSession(NewSession(id), [Imu, Cam]);
        for (int i = 0; i < 3; i++)
            store.WriteChunks(id, [new ChunkBatch(Imu, Samples(Imu, i * 50, 50, 24)), new ChunkBatch(Cam, Samples(Cam, i * 2, 2, 3000))]);
        store.AddMarker(id, new Marker(new RigTime(5_000), "door opened", "north"));
        store.SetCalibration(id, "lab1@2");
        store.UpdateCounts(id, new Dictionary<string, StreamCounts> { ["imu0"] = new(150, 150, 0, 0), ["cam0"] = new(6, 6, 0, 0) });
        store.CloseSession(id, new RigTime(200_000), SessionState.Complete, "stopped by user");
        store.SetQaReport(id, QaVerdict.Pass, "{\"verdict\":\"pass\"}");
        string secret = new LiteDbTokenStore(store).Create("field-tech", Role.Technician, null);
        var consent = new LiteDbConsentStore(store).Add(new ConsentRecord("", "subj-7", ["audio"], "training", DateTimeOffset.UnixEpoch, null, "form-1", [id], DateTimeOffset.UnixEpoch, "ana"));
        new LiteDbAuditLog(store).Append(new AuditEntry(DateTimeOffset.UnixEpoch, "ana", "session.start", id, "", true));
        return (secret, consent.Id);
    }

    private static void AssertEverything(LiteDbSessionStore store, string secret, string consentId, string id = "s1")
    {
        var r = store.GetSession(id);
        Assert.Equal("field run", r.Session.Name);
        Assert.Equal("quay", r.Session.Tags["site"]);
        Assert.Equal(SessionState.Complete, r.Session.State);
        Assert.Equal("lab1@2", r.Session.Calibration);
        Assert.Equal(QaVerdict.Pass, r.QaVerdict);
        Assert.Equal("door opened", Assert.Single(r.Markers).Label);
        Assert.Equal(150, r.Counts["imu0"].Recorded);
        var chunks = store.ListChunks(id);
        Assert.Equal(6, chunks.Count);
        Assert.Equal(156, chunks.Sum(c => ChunkFormat.Decode(c, store.ReadChunk(id, c)).Count));
        Assert.NotNull(new LiteDbTokenStore(store).Validate(secret, DateTimeOffset.UtcNow));
        Assert.Equal("subj-7", new LiteDbConsentStore(store).Get(consentId).Subject);
        Assert.Contains(new LiteDbAuditLog(store).Read(id, 10), e => e.Action == "session.start");
    }

    [Fact]
    public void CatalogueFilesEmptied_AsAPowerCutLeavesThem_EverythingComesBackFromTheJournals()
    {
        string secret, consent;
        using (var store = Open()) (secret, consent) = RecordEverything(store);
        // what issue #20 saw after a power cut: the log 0 bytes, the catalogue its initial empty page
        File.WriteAllBytes(Path.Combine(_dir, "catalogue-log.db"), []);
        File.Delete(Path.Combine(_dir, "catalogue.db"));
        using var reopened = Open();
        AssertEverything(reopened, secret, consent);
        Assert.Contains(reopened.Repairs, r => r.Contains("restored from its journal"));
    }

    [Fact]
    public void CatalogueDamaged_MovedAsideNamedAndRebuilt()
    {
        string secret, consent;
        using (var store = Open()) (secret, consent) = RecordEverything(store);
        string catalogue = Path.Combine(_dir, "catalogue.db");
        var bytes = File.ReadAllBytes(catalogue);
        var random = new Random(14);
        for (int page = 0; page < bytes.Length / 8192; page++)
            for (int i = 0; i < 32; i++) bytes[page * 8192 + 32 + random.Next(8192 - 64)] ^= 0xA5;
        File.WriteAllBytes(catalogue, bytes);
        using var reopened = Open();
        AssertEverything(reopened, secret, consent);
        Assert.Contains(reopened.Repairs, r => r.Contains(catalogue) && r.Contains("moved to catalogue.db.damaged-"));
        Assert.Single(Directory.GetFiles(_dir, "catalogue.db.damaged-*"));
    }

    [Fact]
    public void SessionIndexLost_RebuiltFromTheSegmentsFrames()
    {
        string secret, consent;
        using (var store = Open()) (secret, consent) = RecordEverything(store);
        File.WriteAllBytes(SessionPath("s1", ".db"), []);
        File.Delete(SessionPath("s1", "-log.db"));
        using var reopened = Open();
        AssertEverything(reopened, secret, consent);
        Assert.Contains(reopened.Repairs, r => r.Contains("6 chunk(s) indexed again"));
    }

    [Fact]
    public void SessionIndexDamaged_MovedAsideAndRebuilt()
    {
        string secret, consent;
        using (var store = Open()) (secret, consent) = RecordEverything(store);
        var bytes = File.ReadAllBytes(SessionPath("s1", ".db"));
        for (int i = 0; i < bytes.Length; i += 97) bytes[i] ^= 0xFF;
        File.WriteAllBytes(SessionPath("s1", ".db"), bytes);
        using var reopened = Open();
        AssertEverything(reopened, secret, consent);
        Assert.Contains(reopened.Repairs, r => r.Contains("could not be read") && r.Contains("s1.db"));
    }

    [Fact]
    public void IndexLostItsLastTransactions_SessionLeftRecording_RecoveryIndexesTheSyncedFrames()
    {
        using (var store = Open())
        {
            store.CreateSession(NewSession("r1"), [Imu]);
            store.WriteChunks("r1", [new ChunkBatch(Imu, Samples(Imu, 0, 50, 24))]);
        }
        // the index as it was after one flush; two more flushes reach the segment (synced) but their index commits are lost
        var indexThen = File.ReadAllBytes(SessionPath("r1", ".db"));
        using (var store = Open())
            for (int i = 1; i < 3; i++) store.WriteChunks("r1", [new ChunkBatch(Imu, Samples(Imu, i * 50, 50, 24))]);
        File.WriteAllBytes(SessionPath("r1", ".db"), indexThen);
        File.Delete(SessionPath("r1", "-log.db"));
        using var reopened = Open();
        Assert.Equal(["r1"], reopened.RecoverOpenSessions());
        var r = reopened.GetSession("r1");
        Assert.Equal(SessionState.Recovered, r.Session.State);
        var chunks = reopened.ListChunks("r1");
        Assert.Equal([0, 1, 2], chunks.Select(c => c.Index));
        Assert.Equal(150, r.Counts["imu0"].Recorded);
        Assert.Equal(Enumerable.Range(0, 150).Select(i => (long)i), chunks.SelectMany(c => ChunkFormat.Decode(c, reopened.ReadChunk("r1", c))).Select(s => s.Sequence));
        Assert.Equal(new RigTime(2_000 + 149 * 1000), r.Session.Stop);
    }

    [Fact]
    public void RecoveredSession_NamesSamplesLostAtTheCrash()
    {
        using (var store = Open())
        {
            store.CreateSession(NewSession("l1"), [Imu]);
            store.WriteChunks("l1", [new ChunkBatch(Imu, Samples(Imu, 0, 50, 24))]);
            store.UpdateCounts("l1", new Dictionary<string, StreamCounts> { ["imu0"] = new(80, 50, 2, 0) });
        }
        using var reopened = Open();
        reopened.RecoverOpenSessions();
        var r = reopened.GetSession("l1");
        Assert.Equal(new StreamCounts(52, 50, 2, 0), r.Counts["imu0"]);
        Assert.Contains("lost at crash (produced, never flushed): imu0 28", r.Session.StopReason);
    }

    [Fact]
    public void SegmentAlone_ListedAsRecoveredWithItsStreams()
    {
        using (var store = Open())
        {
            store.CreateSession(NewSession("o1"), [Imu, Cam]);
            store.WriteChunks("o1", [new ChunkBatch(Imu, Samples(Imu, 0, 50, 24)), new ChunkBatch(Cam, Samples(Cam, 0, 2, 3000))]);
        }
        foreach (var f in new[] { ".journal", ".db", "-log.db" }) File.Delete(SessionPath("o1", f));
        File.Delete(Path.Combine(_dir, "catalogue.db"));
        using var reopened = Open();
        reopened.RecoverOpenSessions();
        var r = reopened.GetSession("o1");
        Assert.Equal(SessionState.Recovered, r.Session.State);
        Assert.Equal(["cam0", "imu0"], r.Streams.Select(s => s.Id.Value).Order());
        Assert.Equal(Encodings.Jpeg, r.Streams.Single(s => s.Id.Value == "cam0").Encoding);
        Assert.Equal(2, reopened.ListChunks("o1").Count);
        Assert.All(reopened.ListChunks("o1"), c => reopened.ReadChunk("o1", c));
    }

    [Fact]
    public void EncryptedSession_IndexRebuiltWithTheKeyFromItsJournal()
    {
        using var keys = KeyRing.Open(Path.Combine(_dir, "keys", "data.keys"), createIfMissing: true);
        using var cipher = new KeyRingChunkCipher(keys);
        using (var store = Open(cipher))
        {
            store.CreateSession(NewSession("e1"), [Imu]);
            store.WriteChunks("e1", [new ChunkBatch(Imu, Samples(Imu, 0, 50, 24))]);
            store.CloseSession("e1", new RigTime(60_000), SessionState.Complete, "done");
        }
        File.Delete(SessionPath("e1", ".db"));
        File.Delete(Path.Combine(_dir, "catalogue.db"));
        using var reopened = Open(cipher);
        var c = Assert.Single(reopened.ListChunks("e1"));
        Assert.Equal(50, ChunkFormat.Decode(c, reopened.ReadChunk("e1", c)).Count);
        Assert.NotEqual("", reopened.GetSession("e1").KeyId);
    }

    [Fact]
    public void PurgedStream_NeverComesBackWhenTheIndexIsRebuilt()
    {
        using (var store = Open())
        {
            store.CreateSession(NewSession("p1"), [Imu, Cam]);
            store.WriteChunks("p1", [new ChunkBatch(Imu, Samples(Imu, 0, 50, 24)), new ChunkBatch(Cam, Samples(Cam, 0, 2, 3000))]);
            store.CloseSession("p1", new RigTime(60_000), SessionState.Complete, "done");
            store.PurgeStream("p1", "cam0", "consent withdrawn");
        }
        File.Delete(SessionPath("p1", ".db"));
        using var reopened = Open();
        Assert.Equal(["imu0"], reopened.ListChunks("p1").Select(c => c.Stream.Value));
        Assert.Contains("cam0", reopened.GetSession("p1").Purged.Keys);
    }

    [Fact]
    public void DeletedSession_LeavesNoJournalBehind()
    {
        using var store = Open();
        RecordEverything(store, "d1");
        store.DeleteSession("d1");
        Assert.Empty(Directory.GetFiles(Path.Combine(_dir, "sessions"), "d1*"));
        store.Dispose();
        using var reopened = Open();
        Assert.Throws<SessionNotFoundException>(() => reopened.GetSession("d1"));
    }
}
