using EdgeRig.Api.V1;
using EdgeRig.Core;
using EdgeRig.Service.Grpc;
using EdgeRig.Storage;
using Grpc.Core;

namespace EdgeRig.Service.Tests;

public sealed class SessionsGrpcServiceTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "edgerig-svc-" + Guid.NewGuid().ToString("N"));
    private readonly LiteDbSessionStore _store;
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
        await new SessionsGrpcService(_store).PullSession(new PullSessionRequest { SessionId = id }, writer, TestServerCallContext.Pull);
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
        await new SessionsGrpcService(_store).PullSession(new PullSessionRequest { SessionId = id, FromChunk = 1 }, writer, TestServerCallContext.Pull);
        Assert.Equal([1], writer.Messages.Skip(1).Select(m => m.Chunk.Ordinal).Distinct());
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(3)]
    public async Task Pull_FromChunkOutOfRange_IsInvalidArgument(int from)
    {
        string id = SessionWithBigChunk(10);
        var e = await Assert.ThrowsAsync<ArgumentException>(() =>
            new SessionsGrpcService(_store).PullSession(new PullSessionRequest { SessionId = id, FromChunk = from }, new Collector(), TestServerCallContext.Pull));
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
            new SessionsGrpcService(_store).ExportSession(request, new ExportCollector(), new TestServerCallContext("/edgerig.v1.Sessions/ExportSession")));
        Assert.StartsWith("streams[1]: stream id '", e.Message);
    }
}
