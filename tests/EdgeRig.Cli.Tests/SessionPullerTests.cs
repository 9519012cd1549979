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
        public HashSet<int> Damaged = []; // chunks the rig cannot read (never hashed): named instead of sent
        public int ConfirmFailures; // ConfirmPull calls that find the rig down (Unavailable) before one gets through
        public bool DiskFull; // ConfirmPull is refused: the rig cannot write down the pull
        public int Calls;
        public int ConfirmCalls;
        public List<int> FromChunks = [];
        public string? Confirmed;

        private string Sha(int i) => Damaged.Contains(i) ? "" : Convert.ToHexStringLower(SHA256.HashData(Chunks[i]));

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
                if (Damaged.Contains(i))
                {
                    yield return new PullSessionResponse { Damaged = new DamagedChunk { Meta = meta, Kind = "corrupt", Reason = $"chunk cam0/{i}: CRC32C 00000000 does not match" } };
                    continue;
                }
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
            FromChunks.Add(from);
            var reader = new Reader(Responses(from).GetEnumerator(), n => BreakAt(call, n));
            return new AsyncServerStreamingCall<TResponse>((IAsyncStreamReader<TResponse>)(object)reader, Task.FromResult(new Metadata()),
                () => Status.DefaultSuccess, () => [], () => { });
        }

        public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
            throw new NotSupportedException();

        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
        {
            object reply;
            if (request is GetQaReportRequest)
                reply = new QaReportInfo { SessionId = "s1", Verdict = Verdict.Pass, Final = true, Json = "{\"verdict\":\"pass\"}" };
            else
            {
                if (ConfirmCalls++ < ConfirmFailures) throw new RpcException(new Status(StatusCode.Unavailable, "connection refused"));
                if (DiskFull) throw new RpcException(new Status(StatusCode.ResourceExhausted, "the data disk is full: 3.9 MiB free"));
                Confirmed = ((ConfirmPullRequest)(object)request).SessionSha256;
                reply = new SessionInfo { Id = "s1" };
            }
            return new AsyncUnaryCall<TResponse>(Task.FromResult((TResponse)reply), Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });
        }

        public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
            throw new NotSupportedException();

        public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
            throw new NotSupportedException();
    }

    /// <summary>No waiting between attempts: these tests count attempts, the back-off itself is tested on its own.</summary>
    private static SessionPuller Puller(ScriptedRig rig, int maxAttempts = 8, bool allowPartial = false) =>
        new(new Sessions.SessionsClient(rig)) { MaxAttempts = maxAttempts, Backoff = new RetryBackoff(TimeSpan.Zero, TimeSpan.Zero), AllowPartial = allowPartial };

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
        var result = await Puller(rig, maxAttempts: 6).PullAsync("s1", _dir, null, CancellationToken.None);
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
    public async Task RigDiskFullAtConfirm_DataVerifiedAndKept_ReportedNotConfirmed_NotRetried()
    {
        var rig = new ScriptedRig { DiskFull = true };
        var result = await Puller(rig, maxAttempts: 6).PullAsync("s1", _dir, null, CancellationToken.None);
        Assert.Empty(new PulledSessionFolder(result.Folder).Verify());
        Assert.Equal(rig.SessionSha256, result.SessionSha256);
        Assert.False(result.Confirmed);
        Assert.Contains("data disk is full", result.ConfirmRefused);
        Assert.Equal(1, rig.ConfirmCalls); // a full disk does not clear in seconds: asked once, not six times
        Assert.Null(rig.Confirmed);
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

    [Fact]
    public async Task ChunkDamagedOnTheRig_EveryOtherChunkArrivesVerified_ManifestNamesIt_NotConfirmed()
    {
        var rig = new ScriptedRig { Damaged = [5] };
        var result = await Puller(rig).PullAsync("s1", _dir, null, CancellationToken.None);

        var missing = Assert.Single(result.Missing);
        Assert.Equal((5, "cam0", 5, "corrupt"), (missing.Ordinal, missing.Stream, missing.Index, missing.Kind));
        Assert.Contains("CRC32C", missing.Reason);
        Assert.Equal(11, result.Chunks);
        Assert.Equal(rig.SessionSha256, result.SessionSha256);
        var folder = new PulledSessionFolder(result.Folder);
        Assert.Empty(folder.Verify());
        Assert.Equal([5], folder.Manifest.Missing.Select(m => m.Index));
        Assert.Equal(Enumerable.Range(0, 12).Where(i => i != 5), folder.Manifest.Chunks.Select(c => c.Index));
        foreach (var c in folder.Manifest.Chunks) Assert.Equal(rig.Chunks[c.Index], File.ReadAllBytes(Path.Combine(result.Folder, c.File)));
        Assert.False(File.Exists(Path.Combine(result.Folder, ManifestChunk.RelativePath("cam0", 5))));
        Assert.False(result.Confirmed);
        Assert.Null(rig.Confirmed); // retention keeps the rig's copy until someone accepts the partial pull
    }

    [Fact]
    public async Task PartialPullRunAgain_AsksOnlyPastTheEnd_ThenAllowPartialConfirms()
    {
        var rig = new ScriptedRig { Damaged = [0, 11] };
        await Puller(rig).PullAsync("s1", _dir, null, CancellationToken.None);
        var again = await Puller(rig).PullAsync("s1", _dir, null, CancellationToken.None);
        Assert.Equal([0, 12], rig.FromChunks); // the damaged chunks are not asked for again and again
        Assert.Equal(0, again.ChunksTransferred);
        Assert.Equal(2, again.Missing.Count);
        Assert.Null(rig.Confirmed);

        var accepted = await Puller(rig, allowPartial: true).PullAsync("s1", _dir, null, CancellationToken.None);
        Assert.True(accepted.Confirmed);
        Assert.Equal(rig.SessionSha256, rig.Confirmed);
        Assert.Equal([0, 12, 12], rig.FromChunks);
    }

    [Fact]
    public async Task LinkCutRightAfterADamagedChunk_ResumesPastIt()
    {
        // call 0: header (0), chunks 0-2 (two pieces each: 1-6), damaged 3 (7), cut at message 8
        var rig = new ScriptedRig { Damaged = [3], BreakAt = (call, n) => call == 0 && n == 8 };
        var result = await Puller(rig).PullAsync("s1", _dir, null, CancellationToken.None);
        Assert.Equal([0, 4], rig.FromChunks);
        Assert.Equal(2, result.Attempts);
        Assert.Equal([3], result.Missing.Select(m => m.Index));
        Assert.Equal(rig.SessionSha256, result.SessionSha256);
    }

    [Fact]
    public async Task ConfirmFindsTheRigRestarting_IsRetried_WithoutPullingAgain()
    {
        var rig = new ScriptedRig { ConfirmFailures = 5 };
        var result = await Puller(rig).PullAsync("s1", _dir, null, CancellationToken.None);
        Assert.True(result.Confirmed);
        Assert.Equal(rig.SessionSha256, rig.Confirmed);
        Assert.Equal(6, rig.ConfirmCalls);
        Assert.Equal(1, rig.Calls);
    }

    [Fact]
    public async Task ConfirmFailsLongerThanTheRetries_GivesUp_NextRunConfirmsWithoutTransfer()
    {
        var rig = new ScriptedRig { ConfirmFailures = 3 };
        var e = await Assert.ThrowsAsync<RpcException>(() => Puller(rig, maxAttempts: 3).PullAsync("s1", _dir, null, CancellationToken.None));
        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.Empty(new PulledSessionFolder(Path.Combine(_dir, "s1")).Verify()); // the data is safe; only the rig's record of it is missing

        var result = await Puller(rig).PullAsync("s1", _dir, null, CancellationToken.None);
        Assert.True(result.Confirmed);
        Assert.Equal(0, result.ChunksTransferred);
        Assert.Equal([0, 12], rig.FromChunks);
    }

    [Fact]
    public async Task LinkCutInEveryCallAfterProgress_KeepsGoingPastMaxAttempts()
    {
        // every call brings one chunk (header, two pieces) and breaks on the next message: 12 cuts with MaxAttempts 2
        var rig = new ScriptedRig { BreakAt = (_, n) => n == 3 };
        var result = await Puller(rig, maxAttempts: 2).PullAsync("s1", _dir, null, CancellationToken.None);
        Assert.Equal(rig.SessionSha256, result.SessionSha256);
        Assert.Equal(13, result.Attempts);
    }

    [Fact]
    public async Task LinkDeadWithoutProgress_GivesUpAfterMaxAttempts()
    {
        var rig = new ScriptedRig { BreakAt = (_, n) => n == 0 };
        await Assert.ThrowsAsync<RpcException>(() => Puller(rig, maxAttempts: 3).PullAsync("s1", _dir, null, CancellationToken.None));
        Assert.Equal(3, rig.Calls);
    }

    [Fact]
    public void DefaultBackoff_DoublesFromAQuarterSecond_AndSpansAServiceRestart()
    {
        var backoff = RetryBackoff.Default;
        Assert.Equal([0.25, 0.5, 1, 2, 4, 8, 8], Enumerable.Range(1, 7).Select(f => backoff.Delay(f).TotalSeconds));
        // systemd restarts the service 2 s after it stops and start-up takes seconds more: the waits of a default puller must cover that
        double window = Enumerable.Range(1, new SessionPuller(new Sessions.SessionsClient(new ScriptedRig())).MaxAttempts - 1).Sum(f => backoff.Delay(f).TotalSeconds);
        Assert.InRange(window, 20, 60);
    }
}
