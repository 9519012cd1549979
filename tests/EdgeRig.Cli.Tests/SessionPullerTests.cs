using System.Security.Cryptography;
using EdgeRig.Api.V1;
using EdgeRig.Cli;
using EdgeRig.Core;
using EdgeRig.Formats;
using Google.Protobuf;
using Grpc.Core;

namespace EdgeRig.Cli.Tests;

/// <summary>The puller against a scripted rig: links that break at random points, and a chunk tampered with on the way.</summary>
public sealed class SessionPullerTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "edgerig-puller-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    /// <summary>A session of 12 chunks of 1.5 MiB (two pieces each), served from memory.</summary>
    private sealed class ScriptedRig : CallInvoker
    {
        public readonly List<byte[]> Chunks = Enumerable.Range(0, 12).Select(i => RandomNumberGenerator.GetBytes(1_500_000 + i)).ToList();
        public Func<int, int, bool> BreakAt = (_, _) => false; // (call, piece index) -> cut the link here
        public Func<int, byte[], byte[]> Tamper = (_, b) => b;
        public int Calls;
        public string? Confirmed;

        private string Sha(int i) => Convert.ToHexStringLower(SHA256.HashData(Chunks[i]));

        public string SessionSha256 => SessionHash.Compute(Chunks.Select((_, i) => ("cam0", i, Sha(i))));

        private IEnumerable<PullSessionResponse> Responses(int from)
        {
            var session = new SessionInfo { Id = "s1", Name = "scripted", State = "Complete" };
            yield return new PullSessionResponse
            {
                Header = new PullHeader { Session = session, TotalChunks = Chunks.Count, TotalBytes = Chunks.Sum(c => (long)c.Length), SessionSha256 = SessionSha256, Complete = true },
            };
            for (int i = from; i < Chunks.Count; i++)
            {
                byte[] sent = Tamper(i, Chunks[i]);
                var meta = new ChunkMeta { Ordinal = i, Stream = "cam0", Index = i, Count = 1, Codec = "None", StoredLength = Chunks[i].Length, RawLength = Chunks[i].Length, Crc32C = Crc32C.Compute(Chunks[i]), Sha256 = Sha(i) };
                for (int offset = 0; offset < sent.Length; offset += 1 << 20)
                {
                    int n = Math.Min(1 << 20, sent.Length - offset);
                    var piece = new ChunkData { Ordinal = i, Offset = offset, Data = ByteString.CopyFrom(sent, offset, n), Last = offset + n >= sent.Length };
                    if (offset == 0) piece.Meta = meta;
                    yield return new PullSessionResponse { Chunk = piece };
                }
            }
        }

        private sealed class Reader(IEnumerator<PullSessionResponse> items, Func<int, bool> cut) : IAsyncStreamReader<PullSessionResponse>
        {
            private int _n;
            public PullSessionResponse Current => items.Current;
            public Task<bool> MoveNext(CancellationToken cancellationToken)
            {
                if (cut(_n++)) throw new RpcException(new Status(StatusCode.Unavailable, "link broke"));
                return Task.FromResult(items.MoveNext());
            }
        }

        public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
        {
            int call = Calls++;
            var from = ((PullSessionRequest)(object)request).FromChunk;
            var reader = new Reader(Responses(from).GetEnumerator(), n => BreakAt(call, n));
            return new AsyncServerStreamingCall<TResponse>((IAsyncStreamReader<TResponse>)(object)reader, Task.FromResult(new Metadata()),
                () => Status.DefaultSuccess, () => [], () => { });
        }

        public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
        {
            if (request is GetQaReportRequest)
                return (TResponse)(object)new QaReportInfo { SessionId = "s1", Verdict = "pass", Final = true, Json = "{\"verdict\":\"pass\"}" };
            Confirmed = ((ConfirmPullRequest)(object)request).SessionSha256;
            return (TResponse)(object)new SessionInfo { Id = "s1" };
        }

        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
            throw new NotSupportedException();

        public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
            throw new NotSupportedException();

        public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
            throw new NotSupportedException();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(42)]
    public async Task LinkCutAtRandomPointsRepeatedly_ResumesToTheExactBytes(int seed)
    {
        var rig = new ScriptedRig();
        var random = new Random(seed);
        var cuts = Enumerable.Range(0, 4).ToDictionary(call => call, _ => random.Next(1, 20)); // four broken calls, then a good one
        int fired = 0;
        rig.BreakAt = (call, piece) =>
        {
            bool cut = cuts.TryGetValue(call, out int at) && piece == at;
            if (cut) fired++;
            return cut;
        };
        var result = await new SessionPuller(new Sessions.SessionsClient(rig)) { MaxAttempts = 6 }.PullAsync("s1", _dir, null, CancellationToken.None);
        Assert.True(fired >= 2, $"only {fired} cuts happened");
        Assert.Equal(fired + 1, rig.Calls);
        Assert.Equal(fired + 1, result.Attempts);
        Assert.Equal(rig.SessionSha256, result.SessionSha256);
        Assert.Equal(rig.SessionSha256, rig.Confirmed);
        var folder = new PulledSessionFolder(result.Folder);
        Assert.Empty(folder.Verify());
        for (int i = 0; i < rig.Chunks.Count; i++)
            Assert.Equal(rig.Chunks[i], File.ReadAllBytes(Path.Combine(result.Folder, folder.Manifest.Chunks[i].File)));
        Assert.Equal("{\"verdict\":\"pass\"}", File.ReadAllText(Path.Combine(result.Folder, "qa-report.json"))); // the QA report travels with the data
    }

    [Fact]
    public async Task ChunkTamperedOnTheWay_IsDetected_NothingClaimedComplete()
    {
        var rig = new ScriptedRig { Tamper = (i, bytes) => i == 5 ? bytes.Select((b, k) => k == 1000 ? (byte)(b ^ 1) : b).ToArray() : bytes };
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => new SessionPuller(new Sessions.SessionsClient(rig)).PullAsync("s1", _dir, null, CancellationToken.None));
        Assert.Contains("chunk 5", e.Message);
        Assert.Contains("failed verification", e.Message);
        Assert.False(File.Exists(Path.Combine(_dir, "s1", PulledSessionManifest.FileName)));
        Assert.Null(rig.Confirmed);

        // the next pull keeps the five good chunks and fetches the rest untampered
        rig.Tamper = (_, b) => b;
        var result = await new SessionPuller(new Sessions.SessionsClient(rig)).PullAsync("s1", _dir, null, CancellationToken.None);
        Assert.Equal(5, result.ResumedFromChunk);
        Assert.Empty(new PulledSessionFolder(result.Folder).Verify());
    }
}
