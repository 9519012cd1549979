using EdgeRig.Api.V1;
using EdgeRig.Core;
using EdgeRig.Service.Grpc;
using EdgeRig.Storage;
using Grpc.Core;
using Microsoft.Extensions.Time.Testing;

namespace EdgeRig.Service.Tests;

public sealed class SessionsGrpcServiceTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "edgerig-svc-" + Guid.NewGuid().ToString("N"));
    private LiteDbSessionStore _store;
    private static readonly StreamDescriptor Cam = new(new StreamId("cam0"), Modality.Camera, Encodings.Jpeg, 30, "", "cam0", "cam0");

    public SessionsGrpcServiceTests() => _store = new LiteDbSessionStore(_dir);

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private sealed class Collector : IServerStreamWriter<PullSessionResponse>
    {
        public List<PullSessionResponse> Messages { get; } = [];
        public WriteOptions? WriteOptions { get; set; }
        public Task WriteAsync(PullSessionResponse message) { Messages.Add(message.Clone()); return Task.CompletedTask; }
    }

    /// <summary>The service with the egress policy of a rig that requires no consent and redacts nothing.</summary>
    private SessionsGrpcService Service(TimeProvider? time = null) =>
        new(_store, new Privacy.EgressPolicy(new RigProfile { Name = "rig" }, new LiteDbConsentStore(_store), TimeProvider.System), time ?? TimeProvider.System);

    private string SessionWithChunks(int chunks, int payloadBytes)
    {
        var session = new Session("s1", "n", "o", new Dictionary<string, string>(), new RigTime(1), null, SessionState.Recording, "rig");
        _store.CreateSession(session, [Cam]);
        for (int i = 0; i < chunks; i++)
        {
            var payload = Enumerable.Range(0, payloadBytes).Select(k => (byte)(k * 7 + i)).ToArray();
            _store.WriteChunks("s1", [new ChunkBatch(Cam, [new Sample(Cam.Id, i, new SensorTime(i), new HostTime(1 + i), new RigTimestamp(new RigTime(2 + i), new Duration(1)), payload)])]);
        }
        _store.CloseSession("s1", new RigTime(100), SessionState.Complete, "done");
        return "s1";
    }

    /// <summary>Damages the n-th chunk's stored bytes (the store closed meanwhile, as a service would be).</summary>
    private void FlipBytesOfChunk(string id, int n)
    {
        _store.Dispose();
        StoredChunkDamage.FlipBytes(_dir, id, n);
        _store = new LiteDbSessionStore(_dir);
    }

    private static List<(int Ordinal, string Kind)> Delivered(Collector writer) =>
        writer.Messages.Skip(1).Select(m => m.KindCase == PullSessionResponse.KindOneofCase.Damaged ? (m.Damaged.Meta.Ordinal, "damaged") : (m.Chunk.Ordinal, "chunk")).ToList();

    [Fact]
    public async Task Pull_ChunkCorruptBeforeItWasEverHashed_IsNamedDamagedInItsPlace_TheRestIsSent()
    {
        string id = SessionWithChunks(3, 5000);
        var intact = _store.ListChunks(id).Select(c => _store.ReadChunk(id, c)).ToList();
        FlipBytesOfChunk(id, 1);
        var writer = new Collector();
        await Service().PullSession(new PullSessionRequest { SessionId = id }, writer, TestServerCallContext.Pull);

        Assert.Equal([(0, "chunk"), (1, "damaged"), (2, "chunk")], Delivered(writer));
        var damaged = writer.Messages[2].Damaged;
        Assert.Equal(("cam0", 1, "corrupt", ""), (damaged.Meta.Stream, damaged.Meta.Index, damaged.Kind, damaged.Meta.Sha256));
        Assert.Contains("cam0/1", damaged.Reason);
        Assert.Contains("CRC32C", damaged.Reason);
        Assert.Equal(intact[2], writer.Messages[3].Chunk.Data.ToByteArray());
        // the session hash covers the damaged chunk with the SHA-256 the rig could give it: none
        string Sha(byte[] b) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(b));
        Assert.Equal(SessionHash.Compute([("cam0", 0, Sha(intact[0])), ("cam0", 1, ""), ("cam0", 2, Sha(intact[2]))]), writer.Messages[0].Header.SessionSha256);
    }

    [Fact]
    public async Task Pull_ChunkCorruptAfterAnEarlierPull_IsNamedDamagedWithItsKnownHash()
    {
        string id = SessionWithChunks(3, 5000);
        var first = new Collector();
        await Service().PullSession(new PullSessionRequest { SessionId = id }, first, TestServerCallContext.Pull);
        FlipBytesOfChunk(id, 2);
        var writer = new Collector();
        await Service().PullSession(new PullSessionRequest { SessionId = id }, writer, TestServerCallContext.Pull);

        Assert.Equal([(0, "chunk"), (1, "chunk"), (2, "damaged")], Delivered(writer));
        Assert.Equal(first.Messages[0].Header.SessionSha256, writer.Messages[0].Header.SessionSha256);
        Assert.Equal(first.Messages[3].Chunk.Meta.Sha256, writer.Messages[3].Damaged.Meta.Sha256);
        Assert.Equal("corrupt", writer.Messages[3].Damaged.Kind);
    }

    [Fact]
    public async Task Pull_FromAfterTheDamagedChunk_SendsOnlyTheRest()
    {
        string id = SessionWithChunks(3, 5000);
        FlipBytesOfChunk(id, 1);
        var writer = new Collector();
        await Service().PullSession(new PullSessionRequest { SessionId = id, FromChunk = 2 }, writer, TestServerCallContext.Pull);
        Assert.Equal([(2, "chunk")], Delivered(writer));
    }

    [Fact]
    public async Task ConfirmPull_SessionWithADamagedChunk_AcceptsThePullsSessionHash()
    {
        string id = SessionWithChunks(3, 5000);
        FlipBytesOfChunk(id, 0);
        var writer = new Collector();
        var time = new FakeTimeProvider(new DateTimeOffset(2031, 5, 6, 7, 8, 9, TimeSpan.Zero));
        var service = Service(time);
        await service.PullSession(new PullSessionRequest { SessionId = id }, writer, TestServerCallContext.Pull);
        var confirmed = await service.ConfirmPull(new ConfirmPullRequest { SessionId = id, SessionSha256 = writer.Messages[0].Header.SessionSha256 }, TestServerCallContext.Pull);
        Assert.Equal(time.GetUtcNow().ToUnixTimeMilliseconds(), confirmed.PulledAtMs); // marked by the injected clock
    }

    private string SessionWithBigChunk(int payloadBytes)
    {
        var session = new Session("s1", "n", "o", new Dictionary<string, string>(), new RigTime(1), null, SessionState.Recording, "rig");
        _store.CreateSession(session, [Cam]);
        var samples = new[] { new Sample(Cam.Id, 0, new SensorTime(0), new HostTime(1), new RigTimestamp(new RigTime(2), new Duration(1)), new byte[payloadBytes]) };
        _store.WriteChunks("s1", [new ChunkBatch(Cam, samples)]);
        _store.WriteChunks("s1", [new ChunkBatch(Cam, samples.Select(s => s with { Sequence = 1 }).ToArray())]);
        _store.CloseSession("s1", new RigTime(3), SessionState.Complete, "done");
        return "s1";
    }

    [Fact]
    public async Task Pull_ChunkLargerThanAPiece_IsSplitAndReassemblesExactly()
    {
        string id = SessionWithBigChunk(2_500_000);
        var writer = new Collector();
        await Service().PullSession(new PullSessionRequest { SessionId = id }, writer, TestServerCallContext.Pull);
        var header = writer.Messages[0].Header;
        Assert.Equal(2, header.TotalChunks);
        var pieces = writer.Messages.Skip(1).Select(m => m.Chunk).ToList();
        Assert.All(pieces, p => Assert.True(p.Data.Length <= SessionsGrpcService.PieceSize));
        Assert.Equal(3, pieces.Count(p => p.Ordinal == 0));
        Assert.NotNull(pieces[0].Meta);
        Assert.Null(pieces[1].Meta);
        var first = pieces.Where(p => p.Ordinal == 0).SelectMany(p => p.Data.ToByteArray()).ToArray();
        Assert.Equal(_store.ReadChunk(id, _store.ListChunks(id)[0]), first);
        Assert.True(pieces.Last(p => p.Ordinal == 0).Last);
    }

    [Fact]
    public async Task Pull_FromChunk_SkipsEarlierChunks()
    {
        string id = SessionWithBigChunk(1000);
        var writer = new Collector();
        await Service().PullSession(new PullSessionRequest { SessionId = id, FromChunk = 1 }, writer, TestServerCallContext.Pull);
        Assert.Equal([1], writer.Messages.Skip(1).Select(m => m.Chunk.Ordinal).Distinct());
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(3)]
    public async Task Pull_FromChunkOutOfRange_IsInvalidArgument(int from)
    {
        string id = SessionWithBigChunk(10);
        var e = await Assert.ThrowsAsync<ArgumentException>(() =>
            Service().PullSession(new PullSessionRequest { SessionId = id, FromChunk = from }, new Collector(), TestServerCallContext.Pull));
        Assert.Contains("from_chunk", e.Message);
    }


    private sealed class ExportCollector : IServerStreamWriter<ExportChunk>
    {
        public WriteOptions? WriteOptions { get; set; }
        public Task WriteAsync(ExportChunk message) => Task.CompletedTask;
    }

    [Theory]
    [InlineData("../cam0")]
    [InlineData("cam0/../../x")]
    [InlineData("cam\u001b[2J")]
    public async Task Export_StreamNotAnIdentifier_IsRefusedNamingTheField(string stream)
    {
        string id = SessionWithBigChunk(1000);
        var request = new ExportSessionRequest { SessionId = id, Format = "mcap", Streams = { "cam0", stream } };
        var e = await Assert.ThrowsAsync<ArgumentException>(() =>
            Service().ExportSession(request, new ExportCollector(), new TestServerCallContext("/edgerig.v1.Sessions/ExportSession")));
        Assert.StartsWith("streams[1]: stream id '", e.Message);
    }
}
