using System.Security.Cryptography;
using EdgeRig.Core;
using EdgeRig.Formats;

namespace EdgeRig.Storage.Tests;

/// <summary>
/// The <see cref="ISessionStore"/> contract every implementation keeps (its three roles: writer, catalogue, chunk reader),
/// run against each below. Durability and recovery are the LiteDB store's own suites.
/// </summary>
public abstract class SessionStoreContract : IDisposable
{
    protected abstract ISessionStore NewStore();

    public virtual void Dispose() { }

    private static readonly StreamDescriptor Imu = new(new StreamId("imu0"), Modality.Imu, Encodings.Imu6, 400, "", "imu0", "imu0");
    private static readonly StreamDescriptor Cam = new(new StreamId("cam0"), Modality.Camera, Encodings.Jpeg, 30, "", "cam0", "cam0");

    private static Session NewSession(string id) =>
        new(id, "test", "ana", new Dictionary<string, string> { ["site"] = "lab" }, new RigTime(1_000), null, SessionState.Recording, "rig");

    private static List<Sample> Samples(StreamDescriptor d, long first, int count, int size) =>
        Enumerable.Range(0, count).Select(i => new Sample(d.Id, first + i, new SensorTime(first + i), new HostTime((first + i) * 1000),
            new RigTimestamp(new RigTime(2_000 + (first + i) * 1000), new Duration(5)), Enumerable.Repeat((byte)(first + i), size).ToArray())).ToList();

    private ISessionStore Recording(string id = "s1")
    {
        var store = NewStore();
        store.CreateSession(NewSession(id), [Imu, Cam]);
        return store;
    }

    [Fact]
    public void Create_ThenGet_RecordingWithItsStreams_Listed()
    {
        using var store = Recording();
        var record = store.GetSession("s1");
        Assert.Equal(SessionState.Recording, record.Session.State);
        Assert.Equal(["imu0", "cam0"], record.Streams.Select(s => s.Id.Value));
        Assert.Equal("lab", record.Session.Tags["site"]);
        Assert.Contains(store.ListSessions(), r => r.Session.Id == "s1");
    }

    [Fact]
    public void Create_SameIdTwice_Refused()
    {
        using var store = Recording();
        Assert.Throws<InvalidRigStateException>(() => store.CreateSession(NewSession("s1"), [Imu]));
    }

    [Fact]
    public void Get_UnknownSession_NotFound()
    {
        using var store = NewStore();
        Assert.Throws<SessionNotFoundException>(() => store.GetSession("nope"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(1000)]
    public void WriteChunks_ReadBack_SameSamplesInWriteOrder(int samples)
    {
        using var store = Recording();
        store.WriteChunks("s1", [new ChunkBatch(Imu, Samples(Imu, 0, samples, 24)), new ChunkBatch(Cam, Samples(Cam, 0, 2, 3000))]);
        store.WriteChunks("s1", [new ChunkBatch(Imu, Samples(Imu, samples, samples, 24))]);
        var chunks = store.ListChunks("s1");
        Assert.Equal(["imu0/0", "cam0/0", "imu0/1"], chunks.Select(c => $"{c.Stream}/{c.Index}"));
        var second = ChunkFormat.Decode(chunks[2], store.ReadChunk("s1", chunks[2]));
        Assert.Equal(Enumerable.Range(samples, samples).Select(i => (long)i), second.Select(s => s.Sequence));
        Assert.Equal((byte)samples, second[0].Payload.Span[0]);
        Assert.Equal(3, store.GetSession("s1").ChunkCount);
    }

    [Fact]
    public void ListChunksWithSha256_IsTheHashOfTheStoredBytes()
    {
        using var store = Recording();
        store.WriteChunks("s1", [new ChunkBatch(Imu, Samples(Imu, 0, 50, 24))]);
        var chunk = Assert.Single(store.ListChunksWithSha256("s1"));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(store.ReadChunk("s1", chunk))), chunk.Sha256Hex);
    }

    [Fact]
    public void Markers_Counts_Ptp_KeptWithTheSession()
    {
        using var store = Recording();
        store.AddMarker("s1", new Marker(new RigTime(5_000), "start of run"));
        store.UpdateCounts("s1", new Dictionary<string, StreamCounts> { ["imu0"] = new(10, 9, 1, 0) });
        store.AppendPtp("s1", [new PtpRecord(new RigTime(6_000), true, "SLAVE", 12, 300, true)]);
        var record = store.GetSession("s1");
        Assert.Equal("start of run", Assert.Single(record.Markers).Label);
        Assert.Equal(9, record.Counts["imu0"].Recorded);
        Assert.Equal("SLAVE", Assert.Single(store.ReadPtp("s1")).PortState);
    }

    [Fact]
    public void Close_ThenAnnotate_StateStopReasonCalibrationQaPulled()
    {
        using var store = Recording();
        store.CloseSession("s1", new RigTime(9_000), SessionState.Complete, "operator stopped");
        store.SetCalibration("s1", "lab@2");
        store.SetQaReport("s1", QaVerdict.Warn, "{\"verdict\":\"warn\"}");
        var pulled = new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
        store.MarkPulled("s1", pulled);
        var record = store.GetSession("s1");
        Assert.Equal(SessionState.Complete, record.Session.State);
        Assert.Equal(new RigTime(9_000), record.Session.Stop);
        Assert.Equal("operator stopped", record.Session.StopReason);
        Assert.Equal("lab@2", record.Session.Calibration);
        Assert.Equal(QaVerdict.Warn, record.QaVerdict);
        Assert.Equal(pulled.ToUnixTimeMilliseconds(), record.PulledAt!.Value.ToUnixTimeMilliseconds());
    }

    [Fact]
    public void Delete_WhileRecording_Refused_AfterClose_Gone()
    {
        using var store = Recording();
        store.WriteChunks("s1", [new ChunkBatch(Imu, Samples(Imu, 0, 10, 24))]);
        Assert.Throws<InvalidRigStateException>(() => store.DeleteSession("s1"));
        store.CloseSession("s1", new RigTime(9_000), SessionState.Complete, "done");
        store.DeleteSession("s1");
        Assert.Throws<SessionNotFoundException>(() => store.GetSession("s1"));
        Assert.DoesNotContain(store.ListSessions(), r => r.Session.Id == "s1");
    }

    [Fact]
    public void Purge_WhileRecording_Refused_AfterClose_OnlyThatStreamGone()
    {
        using var store = Recording();
        store.WriteChunks("s1", [new ChunkBatch(Imu, Samples(Imu, 0, 10, 24)), new ChunkBatch(Cam, Samples(Cam, 0, 2, 3000))]);
        Assert.Throws<InvalidRigStateException>(() => store.PurgeStream("s1", "cam0", "consent withdrawn"));
        store.CloseSession("s1", new RigTime(9_000), SessionState.Complete, "done");
        Assert.True(store.PurgeStream("s1", "cam0", "consent withdrawn") > 0);
        Assert.Equal(["imu0"], store.ListChunks("s1").Select(c => c.Stream.Value));
        Assert.Contains("consent withdrawn", store.GetSession("s1").Purged["cam0"]);
        Assert.Throws<ArgumentException>(() => store.PurgeStream("s1", "lidar9", "x"));
    }
}

public sealed class InMemorySessionStoreContractTests : SessionStoreContract
{
    protected override ISessionStore NewStore() => new InMemorySessionStore();
}

public sealed class LiteDbSegmentsStoreContractTests : SessionStoreContract
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "edgerig-contract-" + Guid.NewGuid().ToString("N"));

    protected override ISessionStore NewStore() => new LiteDbSessionStore(_dir, new SessionStoreOptions { Layout = ChunkPayloadLayout.Segments, FreeSpaceReserveBytes = 0 });

    public override void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }
}

public sealed class LiteDbEmbeddedStoreContractTests : SessionStoreContract
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "edgerig-contract-" + Guid.NewGuid().ToString("N"));

    protected override ISessionStore NewStore() => new LiteDbSessionStore(_dir, new SessionStoreOptions { Layout = ChunkPayloadLayout.Embedded, FreeSpaceReserveBytes = 0 });

    public override void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }
}
