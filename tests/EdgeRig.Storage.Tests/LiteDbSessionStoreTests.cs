using EdgeRig.Core;
using EdgeRig.Formats;
using EdgeRig.Storage;

namespace EdgeRig.Storage.Tests;

/// <summary>The store contract, run against every implementation (layout) below.</summary>
public abstract class SessionStoreContractTests : IDisposable
{
    protected readonly string _dir = Path.Combine(Path.GetTempPath(), "edgerig-store-" + Guid.NewGuid().ToString("N"));

    protected abstract ChunkPayloadLayout Layout { get; }

    private LiteDbSessionStore NewStore(long reserve = 0) => new(_dir, new SessionStoreOptions { Layout = Layout, FreeSpaceReserveBytes = reserve });

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    protected static readonly StreamDescriptor Imu = new(new StreamId("imu0"), Modality.Imu, Encodings.Imu6, 400, "", "imu0", "imu0");
    private static readonly StreamDescriptor Cam = new(new StreamId("cam0"), Modality.Camera, Encodings.Jpeg, 30, "", "cam0", "cam0");

    private static Session NewSession(string id) =>
        new(id, "test", "ana", new Dictionary<string, string> { ["site"] = "lab" }, new RigTime(1_000), null, SessionState.Recording, "rig");

    private static List<Sample> Samples(StreamDescriptor d, long first, int count, int size) =>
        Enumerable.Range(0, count).Select(i => new Sample(d.Id, first + i, new SensorTime(first + i), new HostTime((first + i) * 1000),
            new RigTimestamp(new RigTime(2_000 + (first + i) * 1000), new Duration(5)), new byte[size])).ToList();

    [Fact]
    public void WriteChunks_ThenList_ReturnsChunksInPullOrderWithIndexes()
    {
        using var store = NewStore();
        store.CreateSession(NewSession("s1"), [Imu, Cam]);
        store.WriteChunks("s1", [new ChunkBatch(Imu, Samples(Imu, 0, 100, 24)), new ChunkBatch(Cam, Samples(Cam, 0, 3, 5000))]);
        store.WriteChunks("s1", [new ChunkBatch(Imu, Samples(Imu, 100, 50, 24))]);
        var chunks = store.ListChunks("s1");
        Assert.Equal(["imu0/0", "cam0/0", "imu0/1"], chunks.Select(c => $"{c.Stream}/{c.Index}")); // write order
        Assert.Equal(100, chunks[2].FirstSequence);
        var record = store.GetSession("s1");
        Assert.Equal(3, record.ChunkCount);
        Assert.Equal(chunks.Sum(c => (long)c.StoredLength), record.StoredBytes);
        var decoded = ChunkFormat.Decode(chunks[2], store.ReadChunk("s1", chunks[2]));
        Assert.Equal(Enumerable.Range(100, 50).Select(i => (long)i), decoded.Select(s => s.Sequence));
    }

    [Fact]
    public void Session_SurvivesReopen_WithMarkersCountsAndTags()
    {
        using (var store = NewStore())
        {
            store.CreateSession(NewSession("s2"), [Imu]);
            store.WriteChunks("s2", [new ChunkBatch(Imu, Samples(Imu, 0, 10, 24))]);
            store.AddMarker("s2", new Marker(new RigTime(5_000), "door opened", "north"));
            store.UpdateCounts("s2", new Dictionary<string, StreamCounts> { ["imu0"] = new(12, 10, 2, 0) });
            store.CloseSession("s2", new RigTime(9_000), SessionState.Complete, "stopped by user");
        }
        using var reopened = NewStore();
        var r = reopened.GetSession("s2");
        Assert.Equal(SessionState.Complete, r.Session.State);
        Assert.Equal(new RigTime(9_000), r.Session.Stop);
        Assert.Equal("lab", r.Session.Tags["site"]);
        Assert.Equal("door opened", Assert.Single(r.Markers).Label);
        Assert.Equal(new StreamCounts(12, 10, 2, 0), r.Counts["imu0"]);
        Assert.Equal(Imu with { }, r.Streams.Single(), new DescriptorComparer());
        Assert.Single(reopened.ListChunks("s2"));
    }

    [Fact]
    public void RecoverOpenSessions_AfterCrash_MarksRecoveredWithLastDurableSample()
    {
        using (var store = NewStore())
        {
            store.CreateSession(NewSession("s3"), [Imu]);
            store.WriteChunks("s3", [new ChunkBatch(Imu, Samples(Imu, 0, 10, 24))]);
            // no CloseSession: the process "died" here
        }
        using var restarted = NewStore();
        Assert.Equal(["s3"], restarted.RecoverOpenSessions());
        var r = restarted.GetSession("s3");
        Assert.Equal(SessionState.Recovered, r.Session.State);
        Assert.Equal(new RigTime(2_000 + 9 * 1000), r.Session.Stop);
        Assert.Equal(10, r.Counts["imu0"].Recorded);
        Assert.Empty(restarted.RecoverOpenSessions());
    }

    [Fact]
    public void GetSession_UnknownOrHostileId_ThrowsNotFoundNamingIt()
    {
        using var store = NewStore();
        var e = Assert.Throws<SessionNotFoundException>(() => store.GetSession("nope"));
        Assert.Contains("'nope'", e.Message);
        Assert.Throws<SessionNotFoundException>(() => store.ListChunks("../../etc/passwd"));
        Assert.False(File.Exists(Path.Combine(_dir, "..", "..", "etc", "passwd.db")));
    }

    [Fact]
    public void SecondStore_OnSameDirectory_IsRefused()
    {
        using var first = NewStore();
        var e = Assert.Throws<DataDirectoryInUseException>(() => NewStore());
        Assert.Contains($"in use by another EdgeRig service (pid {Environment.ProcessId}", e.Message);
    }

    [Fact]
    public void CreateSession_DuplicateId_Throws()
    {
        using var store = NewStore();
        store.CreateSession(NewSession("dup"), [Imu]);
        Assert.Throws<InvalidRigStateException>(() => store.CreateSession(NewSession("dup"), [Imu]));
    }

    [Fact]
    public void ReadChunk_FlippedByteOnDisk_ReportsThatChunkAndNeighboursStillRead()
    {
        using (var store = NewStore())
        {
            store.CreateSession(NewSession("c1"), [Imu]);
            for (int i = 0; i < 3; i++) store.WriteChunks("c1", [new ChunkBatch(Imu, Samples(Imu, i * 100, 100, 24))]);
            store.CloseSession("c1", new RigTime(1), SessionState.Complete, "done");
        }
        CorruptMiddleChunk("c1");
        using var reopened = NewStore();
        var chunks = reopened.ListChunks("c1");
        var e = Assert.Throws<CorruptChunkException>(() => reopened.ReadChunk("c1", chunks[1]));
        Assert.Contains("imu0/1", e.Message);
        Assert.Contains("'c1'", e.Message);
        Assert.NotEmpty(ChunkFormat.Decode(chunks[0], reopened.ReadChunk("c1", chunks[0])));
        Assert.NotEmpty(ChunkFormat.Decode(chunks[2], reopened.ReadChunk("c1", chunks[2])));
    }

    /// <summary>Flips a byte inside the stored bytes of the second chunk, wherever this layout keeps them.</summary>
    protected abstract void CorruptMiddleChunk(string sessionId);

    [Fact]
    public void WriteChunks_BelowFreeSpaceReserve_RefusedAndNothingWritten()
    {
        using (var roomy = NewStore())
            roomy.CreateSession(NewSession("full"), [Imu]);
        using var store = NewStore(reserve: long.MaxValue / 2);
        var refused = Assert.Throws<StorageFullException>(() => store.CreateSession(NewSession("other"), [Imu]));
        Assert.Contains("disk reserve reached", refused.Message);
        var e = Assert.Throws<StorageFullException>(() => store.WriteChunks("full", [new ChunkBatch(Imu, Samples(Imu, 0, 10, 24))]));
        Assert.Contains("disk reserve reached", e.Message);
        Assert.Empty(store.ListChunks("full"));
        Assert.Equal(0, store.GetSession("full").ChunkCount);
    }

    [Fact]
    public void DeleteSession_RemovesItsFilesAndRecord_RecordingOnesRefused()
    {
        using var store = NewStore();
        store.CreateSession(NewSession("d1"), [Imu]);
        store.WriteChunks("d1", [new ChunkBatch(Imu, Samples(Imu, 0, 1000, 24))]);
        Assert.Throws<InvalidRigStateException>(() => store.DeleteSession("d1"));
        store.CloseSession("d1", new RigTime(5), SessionState.Complete, "done");
        Assert.True(store.SessionDiskBytes("d1") > 0);
        store.DeleteSession("d1");
        Assert.Throws<SessionNotFoundException>(() => store.GetSession("d1"));
        Assert.Empty(Directory.GetFiles(Path.Combine(_dir, "sessions"), "d1*"));
    }

    [Fact]
    public void MarkPulledAndPtpTimeline_RoundTrip()
    {
        using var store = NewStore();
        store.CreateSession(NewSession("p1"), [Imu]);
        Assert.Null(store.GetSession("p1").PulledAt);
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_000_000);
        store.MarkPulled("p1", at);
        Assert.Equal(at, store.GetSession("p1").PulledAt);
        store.AppendPtp("p1", [new PtpRecord(new RigTime(2), true, "SLAVE", 120, 2500, true), new PtpRecord(new RigTime(1), false, "", 0, 0, false)]);
        Assert.Equal([new RigTime(1), new RigTime(2)], store.ReadPtp("p1").Select(r => r.At));
    }

    private sealed class DescriptorComparer : IEqualityComparer<StreamDescriptor>
    {
        public bool Equals(StreamDescriptor? a, StreamDescriptor? b) =>
            a is not null && b is not null && a.Id == b.Id && a.Modality == b.Modality && a.Encoding == b.Encoding &&
            a.NominalRateHz == b.NominalRateHz && a.SensorTickRateHz == b.SensorTickRateHz && a.Timestamps == b.Timestamps;

        public int GetHashCode(StreamDescriptor d) => d.Id.GetHashCode();
    }

    [Fact]
    public void PurgeStream_ErasesThatStreamOnly_AndNotesWhy()
    {
        using var store = NewStore();
        store.CreateSession(NewSession("p1"), [Imu, Cam]);
        var marked = Samples(Cam, 0, 3, 4000);
        for (int i = 0; i < marked.Count; i++)
            marked[i] = marked[i] with { Payload = Enumerable.Repeat((byte)0xAB, 4000).ToArray() };
        store.WriteChunks("p1", [new ChunkBatch(Imu, Samples(Imu, 0, 100, 24)), new ChunkBatch(Cam, marked)]);
        Assert.Throws<InvalidRigStateException>(() => store.PurgeStream("p1", "cam0", "test"));
        store.CloseSession("p1", new RigTime(9_000), SessionState.Complete, "stopped");
        long camBytes = store.ListChunks("p1").Where(c => c.Stream.Value == "cam0").Sum(c => (long)c.StoredLength);

        long erased = store.PurgeStream("p1", "cam0", "consent c-1 withdrawn");

        Assert.Equal(camBytes, erased);
        var chunks = store.ListChunks("p1");
        Assert.Equal(["imu0"], chunks.Select(c => c.Stream.Value).Distinct());
        Assert.Equal(100, ChunkFormat.Decode(chunks[0], store.ReadChunk("p1", chunks[0])).Count);
        var record = store.GetSession("p1");
        Assert.Contains("consent c-1 withdrawn", record.Purged["cam0"]);
        Assert.Equal(1, record.ChunkCount);
        Assert.Throws<ArgumentException>(() => store.PurgeStream("p1", "nope", "x"));
        if (Layout == ChunkPayloadLayout.Segments)
        {
            // the frames' bytes are gone from the disk, not just unindexed
            byte[] seg = File.ReadAllBytes(Path.ChangeExtension(store.SessionFilePath("p1"), ".seg"));
            Assert.DoesNotContain(Enumerable.Range(0, seg.Length - 64), i => seg.AsSpan(i, 64).IndexOfAnyExcept((byte)0xAB) < 0);
        }
    }

    [Fact]
    public void QaAndRedactionReports_AreKeptWithTheSession()
    {
        using (var store = NewStore())
        {
            store.CreateSession(NewSession("q1"), [Imu]);
            store.SetQaReport("q1", QaVerdict.Fail, "{\"verdict\":\"fail\"}");
            store.SetRedactionReport("q1", "{\"frames\":3}");
        }
        using var reopened = NewStore();
        var r = reopened.GetSession("q1");
        Assert.Equal(QaVerdict.Fail, r.QaVerdict);
        Assert.Equal("{\"verdict\":\"fail\"}", r.QaReportJson);
        Assert.Equal("{\"frames\":3}", r.RedactionReportJson);
        Assert.Equal("", r.KeyId);
    }

}

public sealed class SegmentLayoutStoreTests : SessionStoreContractTests
{
    protected override ChunkPayloadLayout Layout => ChunkPayloadLayout.Segments;

    protected override void CorruptMiddleChunk(string sessionId)
    {
        // the chunk index points into the segment; the second chunk's bytes follow the first frame
        string seg = Path.Combine(_dir, "sessions", sessionId + ".seg");
        var bytes = File.ReadAllBytes(seg);
        // a frame: 24-byte header (magic, meta length, data length, CRCs), meta, data
        int second = SegmentFile.FrameHeaderSize + BitConverter.ToInt32(bytes, 4) + BitConverter.ToInt32(bytes, 8);
        int secondData = second + SegmentFile.FrameHeaderSize + BitConverter.ToInt32(bytes, second + 4);
        bytes[secondData + 10] ^= 0x55;
        File.WriteAllBytes(seg, bytes);
    }

    [Fact]
    public void Reopen_AfterAnAppendWhoseIndexNeverCommitted_CutsTheOrphanBytes()
    {
        long indexedLength;
        using (var store = new LiteDbSessionStore(_dir))
        {
            store.CreateSession(new Session("t1", "t", "o", new Dictionary<string, string>(), new RigTime(1), null, SessionState.Recording, "rig"), [Imu]);
            store.WriteChunks("t1", [new ChunkBatch(Imu, [new Sample(Imu.Id, 0, default, default, default, new byte[24])])]);
            indexedLength = new FileInfo(Path.Combine(_dir, "sessions", "t1.seg")).Length;
        }
        // a crash after the segment write but before the index commit leaves unindexed bytes at the end
        File.AppendAllText(Path.Combine(_dir, "sessions", "t1.seg"), "torn frame without an index entry");
        using var reopened = new LiteDbSessionStore(_dir);
        Assert.Single(reopened.ListChunks("t1"));
        Assert.Equal(indexedLength, new FileInfo(Path.Combine(_dir, "sessions", "t1.seg")).Length);
        reopened.WriteChunks("t1", [new ChunkBatch(Imu, [new Sample(Imu.Id, 1, default, default, default, new byte[24])])]);
        Assert.All(reopened.ListChunks("t1"), c => reopened.ReadChunk("t1", c));
    }
}

public sealed class EmbeddedLayoutStoreTests : SessionStoreContractTests
{
    protected override ChunkPayloadLayout Layout => ChunkPayloadLayout.Embedded;

    protected override void CorruptMiddleChunk(string sessionId)
    {
        using var db = new LiteDB.LiteDatabase(Path.Combine(_dir, "sessions", sessionId + ".db"));
        var index = db.GetCollection("chunk_index").FindOne(LiteDB.Query.EQ("seq", 1));
        var data = db.GetCollection("chunk_data");
        var doc = data.FindById(index["_id"]);
        var bytes = doc["bytes"].AsBinary;
        bytes[10] ^= 0x55;
        doc["bytes"] = bytes;
        data.Update(doc);
    }
}
