using EdgeRig.Core;
using EdgeRig.Formats;
using EdgeRig.Storage;

namespace EdgeRig.Storage.Tests;

public sealed class LiteDbSessionStoreTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "edgerig-store-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static readonly StreamDescriptor Imu = new(new StreamId("imu0"), Modality.Imu, Encodings.Imu6, 400, "", "imu0", "imu0");
    private static readonly StreamDescriptor Cam = new(new StreamId("cam0"), Modality.Camera, Encodings.Jpeg, 30, "", "cam0", "cam0");

    private static Session NewSession(string id) =>
        new(id, "test", "ana", new Dictionary<string, string> { ["site"] = "lab" }, new RigTime(1_000), null, SessionState.Recording, "rig");

    private static List<Sample> Samples(StreamDescriptor d, long first, int count, int size) =>
        Enumerable.Range(0, count).Select(i => new Sample(d.Id, first + i, new SensorTime(first + i), new HostTime((first + i) * 1000),
            new RigTimestamp(new RigTime(2_000 + (first + i) * 1000), new Duration(5)), new byte[size])).ToList();

    [Fact]
    public void WriteChunks_ThenList_ReturnsChunksInPullOrderWithIndexes()
    {
        using var store = new LiteDbSessionStore(_dir);
        store.CreateSession(NewSession("s1"), [Imu, Cam]);
        store.WriteChunks("s1", [new ChunkBatch(Imu, Samples(Imu, 0, 100, 24)), new ChunkBatch(Cam, Samples(Cam, 0, 3, 5000))]);
        store.WriteChunks("s1", [new ChunkBatch(Imu, Samples(Imu, 100, 50, 24))]);
        var chunks = store.ListChunks("s1");
        Assert.Equal(["cam0/0", "imu0/0", "imu0/1"], chunks.Select(c => $"{c.Stream}/{c.Index}"));
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
        using (var store = new LiteDbSessionStore(_dir))
        {
            store.CreateSession(NewSession("s2"), [Imu]);
            store.WriteChunks("s2", [new ChunkBatch(Imu, Samples(Imu, 0, 10, 24))]);
            store.AddMarker("s2", new Marker(new RigTime(5_000), "door opened", "north"));
            store.UpdateCounts("s2", new Dictionary<string, StreamCounts> { ["imu0"] = new(12, 10, 2, 0) });
            store.CloseSession("s2", new RigTime(9_000), SessionState.Complete, "stopped by user");
        }
        using var reopened = new LiteDbSessionStore(_dir);
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
        using (var store = new LiteDbSessionStore(_dir))
        {
            store.CreateSession(NewSession("s3"), [Imu]);
            store.WriteChunks("s3", [new ChunkBatch(Imu, Samples(Imu, 0, 10, 24))]);
            // no CloseSession: the process "died" here
        }
        using var restarted = new LiteDbSessionStore(_dir);
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
        using var store = new LiteDbSessionStore(_dir);
        var e = Assert.Throws<SessionNotFoundException>(() => store.GetSession("nope"));
        Assert.Contains("'nope'", e.Message);
        Assert.Throws<SessionNotFoundException>(() => store.ListChunks("../../etc/passwd"));
        Assert.False(File.Exists(Path.Combine(_dir, "..", "..", "etc", "passwd.db")));
    }

    [Fact]
    public void SecondStore_OnSameDirectory_IsRefused()
    {
        using var first = new LiteDbSessionStore(_dir);
        var e = Assert.Throws<IOException>(() => new LiteDbSessionStore(_dir));
        Assert.Contains("in use by another EdgeRig service", e.Message);
    }

    [Fact]
    public void CreateSession_DuplicateId_Throws()
    {
        using var store = new LiteDbSessionStore(_dir);
        store.CreateSession(NewSession("dup"), [Imu]);
        Assert.Throws<InvalidRigStateException>(() => store.CreateSession(NewSession("dup"), [Imu]));
    }

    private sealed class DescriptorComparer : IEqualityComparer<StreamDescriptor>
    {
        public bool Equals(StreamDescriptor? a, StreamDescriptor? b) =>
            a is not null && b is not null && a.Id == b.Id && a.Modality == b.Modality && a.Encoding == b.Encoding &&
            a.NominalRateHz == b.NominalRateHz && a.SensorTickRateHz == b.SensorTickRateHz && a.Timestamps == b.Timestamps;

        public int GetHashCode(StreamDescriptor d) => d.Id.GetHashCode();
    }
}
