using System.Text.Json;
using EdgeRig.Api.V1;
using EdgeRig.Cli;
using EdgeRig.Formats;
using Grpc.Core;
using Grpc.Health.V1;

namespace EdgeRig.IntegrationTests;

/// <summary>The vertical slice through the real service: record, mark, stop, pull (whole, cut off and resumed), bad input.</summary>
public sealed class SliceTests(RigServiceFixture rig) : IClassFixture<RigServiceFixture>
{
    private Rig.RigClient RigClient => new(rig.Channel);
    private Sessions.SessionsClient SessionsClient => new(rig.Channel);

    private async Task<SessionInfo> RecordAsync(TimeSpan length, string marker)
    {
        var start = new StartRecordingRequest { Name = "demo", Operator = "ana" };
        start.Tags["site"] = "lab";
        var session = await RigClient.StartRecordingAsync(start);
        await Task.Delay(length / 2);
        await RigClient.AddMarkerAsync(new AddMarkerRequest { Label = marker, Note = "integration" });
        await Task.Delay(length / 2);
        var status = await RigClient.GetStatusAsync(new GetStatusRequest());
        Assert.True(status.Recording);
        Assert.Equal(session.Id, status.ActiveSession.Id);
        return await RigClient.StopRecordingAsync(new StopRecordingRequest());
    }

    [Fact]
    public async Task RecordMarkStopPull_EveryStreamAccountedForAndVerified()
    {
        var stopped = await RecordAsync(TimeSpan.FromSeconds(3), "door opened");
        Assert.Equal("Complete", stopped.State);
        Assert.Equal("lab", stopped.Tags["site"]);
        foreach (var stream in stopped.Streams.Where(s => s.NominalRateHz > 0))
        {
            var c = stopped.Counts[stream.Id];
            Assert.Equal(c.Produced, c.Recorded + c.Dropped);
            Assert.True(c.Recorded > stream.NominalRateHz, $"{stream.Id}: {c.Recorded} samples in ~3 s");
        }

        string outDir = Paths.TempDir("pull");
        try
        {
            var result = await new SessionPuller(SessionsClient).PullAsync(stopped.Id, outDir, null, CancellationToken.None);
            Assert.Equal(stopped.ChunkCount, result.Chunks);
            var folder = new PulledSessionFolder(result.Folder);
            Assert.Empty(folder.Verify());
            Assert.Contains(folder.Manifest.Markers, m => m.Label == "door opened" && m.Source == "user");
            foreach (var stream in folder.Manifest.Streams)
            {
                var samples = folder.ReadSamples(stream.Id).ToList();
                Assert.Equal(stopped.Counts[stream.Id].Recorded, samples.Count);
                Assert.True(samples.Zip(samples.Skip(1)).All(p => p.Second.Sequence > p.First.Sequence), $"{stream.Id}: sequences strictly increase");
                Assert.All(samples, s => Assert.InRange(s.Rig.Time.Nanoseconds, stopped.StartNs - 1_000_000_000, stopped.StopNs + 1_000_000_000));
            }
            var jpeg = folder.ReadSamples("cam0").First().Payload.ToArray();
            Assert.Equal([0xFF, 0xD8], jpeg[..2]);
        }
        finally
        {
            Directory.Delete(outDir, recursive: true);
        }
    }

    [Fact]
    public async Task Pull_CutOffHalfwayThenResumed_YieldsSameBytesAsUninterrupted()
    {
        var stopped = await RecordAsync(TimeSpan.FromSeconds(2), "resume");
        string whole = Paths.TempDir("whole"), resumed = Paths.TempDir("resumed");
        try
        {
            var full = await new SessionPuller(SessionsClient).PullAsync(stopped.Id, whole, null, CancellationToken.None);

            using var cut = new CancellationTokenSource();
            var cutter = new Progress(p => { if (p.ChunksDone >= p.ChunksTotal / 2) cut.Cancel(); });
            var puller = new SessionPuller(SessionsClient) { MaxAttempts = 1 };
            await Assert.ThrowsAnyAsync<Exception>(() => puller.PullAsync(stopped.Id, resumed, cutter, cut.Token));
            string folder = Path.Combine(resumed, stopped.Id);
            Assert.False(File.Exists(Path.Combine(folder, PulledSessionManifest.FileName)));
            Assert.True(File.Exists(Path.Combine(folder, SessionPuller.StateFile)));

            var second = await new SessionPuller(SessionsClient).PullAsync(stopped.Id, resumed, null, CancellationToken.None);
            Assert.InRange(second.ResumedFromChunk, 1, full.Chunks - 1);
            Assert.Equal(full.Chunks - second.ResumedFromChunk, second.ChunksTransferred);
            Assert.Equal(full.SessionSha256, second.SessionSha256);
            var a = new PulledSessionFolder(full.Folder).Manifest;
            var b = new PulledSessionFolder(second.Folder).Manifest;
            Assert.Equal(a.Chunks, b.Chunks);
            foreach (var c in a.Chunks)
                Assert.Equal(File.ReadAllBytes(Path.Combine(full.Folder, c.File)), File.ReadAllBytes(Path.Combine(second.Folder, c.File)));
        }
        finally
        {
            Directory.Delete(whole, recursive: true);
            Directory.Delete(resumed, recursive: true);
        }
    }

    [Fact]
    public async Task BadInput_GetsStatusCodesThatNameTheProblem()
    {
        var notFound = await Assert.ThrowsAsync<RpcException>(() => SessionsClient.GetSessionAsync(new GetSessionRequest { SessionId = "20990101-000000-dead" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, notFound.StatusCode);
        Assert.Contains("20990101-000000-dead", notFound.Status.Detail);

        var traversal = await Assert.ThrowsAsync<RpcException>(() => SessionsClient.GetSessionAsync(new GetSessionRequest { SessionId = "../../etc/passwd" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, traversal.StatusCode);

        var empty = await Assert.ThrowsAsync<RpcException>(() => SessionsClient.GetSessionAsync(new GetSessionRequest()).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, empty.StatusCode);

        var stopIdle = await Assert.ThrowsAsync<RpcException>(() => RigClient.StopRecordingAsync(new StopRecordingRequest()).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, stopIdle.StatusCode);
        Assert.Contains("no session is recording", stopIdle.Status.Detail);

        var markIdle = await Assert.ThrowsAsync<RpcException>(() => RigClient.AddMarkerAsync(new AddMarkerRequest { Label = "x" }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, markIdle.StatusCode);

        var session = await RigClient.StartRecordingAsync(new StartRecordingRequest { Name = "twice" });
        try
        {
            var again = await Assert.ThrowsAsync<RpcException>(() => RigClient.StartRecordingAsync(new StartRecordingRequest { Name = "again" }).ResponseAsync);
            Assert.Equal(StatusCode.FailedPrecondition, again.StatusCode);
            Assert.Contains(session.Id, again.Status.Detail);

            var emptyLabel = await Assert.ThrowsAsync<RpcException>(() => RigClient.AddMarkerAsync(new AddMarkerRequest { Label = " " }).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, emptyLabel.StatusCode);

                var deleteWhileRecording = await Assert.ThrowsAsync<RpcException>(() =>
                SessionsClient.DeleteSessionAsync(new DeleteSessionRequest { SessionId = session.Id, Force = true }).ResponseAsync);
            Assert.Equal(StatusCode.FailedPrecondition, deleteWhileRecording.StatusCode);
        }
        finally
        {
            await RigClient.StopRecordingAsync(new StopRecordingRequest());
        }

        var badRange = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = SessionsClient.PullSession(new PullSessionRequest { SessionId = session.Id, FromChunk = -1 });
            await call.ResponseStream.MoveNext(CancellationToken.None);
        });
        Assert.Equal(StatusCode.InvalidArgument, badRange.StatusCode);
        Assert.Contains("from_chunk", badRange.Status.Detail);

        var longName = await Assert.ThrowsAsync<RpcException>(() => RigClient.StartRecordingAsync(new StartRecordingRequest { Name = new string('x', 10_000) }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, longName.StatusCode);
        Assert.Contains("name", longName.Status.Detail);

        // and the service is still up and idle
        var status = await RigClient.GetStatusAsync(new GetStatusRequest());
        Assert.False(status.Recording);
    }

    [Fact]
    public async Task Status_EveryStreamLive_WithHealthAndReflection()
    {
        await Task.Delay(1500);
        var status = await RigClient.GetStatusAsync(new GetStatusRequest());
        Assert.Equal("sim-default", status.RigName);
        Assert.Equal(["button0", "cam0", "cam1", "imu0", "lidar0", "mic0"], status.Streams.Select(s => s.Stream.Id).Order());
        Assert.All(status.Streams, s => Assert.True(s.Live, $"{s.Stream.Id} is stale"));
        Assert.All(status.Streams.Where(s => s.Stream.NominalRateHz > 0), s => Assert.InRange(s.RateHz, s.Stream.NominalRateHz * 0.8, s.Stream.NominalRateHz * 1.2));

        var health = await new Health.HealthClient(rig.Channel).CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);

        var reflection = new Grpc.Reflection.V1Alpha.ServerReflection.ServerReflectionClient(rig.Channel);
        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new Grpc.Reflection.V1Alpha.ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("edgerig.v1.Rig", services);
        Assert.Contains("edgerig.v1.Sessions", services);
    }

    [Fact]
    public async Task NodeGrpcClient_ReadsStatusAndSessions()
    {
        await RecordAsync(TimeSpan.FromSeconds(1), "node");
        var script = Path.Combine(Paths.RepoRoot, "tests", "node", "status-client.mjs");
        var r = await ProcessRunner.RunAsync("node", [script, new Uri(rig.Url).Authority, "missing-id"], TimeSpan.FromSeconds(60),
            new Dictionary<string, string> { ["EDGERIG_TOKEN"] = File.ReadAllText(Paths.AdminTokenFile(rig.DataDir)).Trim() });
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout);
        var root = doc.RootElement;
        Assert.Equal("sim-default", root.GetProperty("status").GetProperty("rigName").GetString());
        Assert.Equal(6, root.GetProperty("status").GetProperty("streams").GetArrayLength());
        Assert.True(root.GetProperty("sessions").GetProperty("sessions").GetArrayLength() >= 1);
        Assert.Equal(5, root.GetProperty("missing").GetProperty("code").GetInt32()); // NOT_FOUND
        Assert.Contains("missing-id", root.GetProperty("missing").GetProperty("details").GetString());
        Assert.Equal(16, root.GetProperty("anonymous").GetProperty("code").GetInt32()); // UNAUTHENTICATED without a token
    }

    [Fact]
    public async Task Cli_StatusJsonAndOneLineFailures()
    {
        var env = Paths.CliEnv(rig.Url, rig.DataDir);
        var status = await ProcessRunner.RunAsync("dotnet", [Paths.CliDll, "status", "--json"], TimeSpan.FromSeconds(60), env);
        Assert.True(status.ExitCode == 0, status.Stderr);
        using (var doc = JsonDocument.Parse(status.Stdout))
            Assert.Equal("sim-default", doc.RootElement.GetProperty("rigName").GetString());

        var show = await ProcessRunner.RunAsync("dotnet", [Paths.CliDll, "show", "nope-123"], TimeSpan.FromSeconds(60), env);
        Assert.Equal(1, show.ExitCode);
        Assert.Equal("edgerig: NotFound: session 'nope-123' not found", show.Stderr.Trim());

        var devices = await ProcessRunner.RunAsync("dotnet", [Paths.CliDll, "devices", "--json"], TimeSpan.FromSeconds(60), env);
        Assert.True(devices.ExitCode == 0, devices.Stderr);
        using (var doc = JsonDocument.Parse(devices.Stdout))
            Assert.Contains(doc.RootElement.GetProperty("devices").EnumerateArray(), d => d.GetProperty("deviceId").GetString() == "cam0" && d.GetProperty("status").GetString() == "Simulated");

        var stop = await ProcessRunner.RunAsync("dotnet", [Paths.CliDll, "record", "stop"], TimeSpan.FromSeconds(60), env);
        Assert.Equal(1, stop.ExitCode);
        Assert.Contains("FailedPrecondition", stop.Stderr);
        Assert.Single(stop.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public async Task LiveTailPull_WhileRecording_ThenCompletes_SameBytesAsAfterwardsPull()
    {
        var session = await RigClient.StartRecordingAsync(new StartRecordingRequest { Name = "live tail" });
        string tail = Paths.TempDir("tail"), after = Paths.TempDir("after");
        try
        {
            await Task.Delay(1500);
            var first = await new SessionPuller(SessionsClient).PullAsync(session.Id, tail, null, CancellationToken.None);
            Assert.False(first.Complete);
            Assert.True(first.Chunks > 0);
            await Task.Delay(1500);
            var second = await new SessionPuller(SessionsClient).PullAsync(session.Id, tail, null, CancellationToken.None);
            Assert.False(second.Complete);
            Assert.Equal(first.Chunks, second.ResumedFromChunk); // only the chunks after the ones it had
            Assert.True(second.Chunks > first.Chunks);
            var stopped = await RigClient.StopRecordingAsync(new StopRecordingRequest());

            var final = await new SessionPuller(SessionsClient).PullAsync(session.Id, tail, null, CancellationToken.None);
            Assert.True(final.Complete);
            Assert.Equal(stopped.ChunkCount, final.Chunks);
            var whole = await new SessionPuller(SessionsClient).PullAsync(session.Id, after, null, CancellationToken.None);
            Assert.Equal(whole.SessionSha256, final.SessionSha256);
            Assert.Empty(new PulledSessionFolder(final.Folder).Verify());
        }
        finally
        {
            if ((await RigClient.GetStatusAsync(new GetStatusRequest())).Recording) await RigClient.StopRecordingAsync(new StopRecordingRequest());
            Directory.Delete(tail, recursive: true);
            Directory.Delete(after, recursive: true);
        }
    }

    [Fact]
    public async Task Delete_UnpulledNeedsForce_PulledDeletesAndFreesSpace()
    {
        var stopped = await RecordAsync(TimeSpan.FromSeconds(1), "delete me");
        var refused = await Assert.ThrowsAsync<RpcException>(() => SessionsClient.DeleteSessionAsync(new DeleteSessionRequest { SessionId = stopped.Id }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains("never pulled", refused.Status.Detail);

        var wrongHash = await Assert.ThrowsAsync<RpcException>(() => SessionsClient.ConfirmPullAsync(new ConfirmPullRequest { SessionId = stopped.Id, SessionSha256 = "00" }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, wrongHash.StatusCode);

        string outDir = Paths.TempDir("del");
        try
        {
            // a one-second session may be all clock-mapping warm-up (QA fails its sync): the admin forces the pull
            await new SessionPuller(SessionsClient) { Force = true }.PullAsync(stopped.Id, outDir, null, CancellationToken.None);
            var info = await SessionsClient.GetSessionAsync(new GetSessionRequest { SessionId = stopped.Id });
            Assert.True(info.PulledAtMs > 0, "a verified pull is confirmed to the rig");
            var deleted = await SessionsClient.DeleteSessionAsync(new DeleteSessionRequest { SessionId = stopped.Id });
            Assert.True(deleted.FreedBytes >= info.StoredBytes);
            Assert.Empty(Directory.GetFiles(Path.Combine(rig.DataDir, "sessions"), stopped.Id + "*"));
            var gone = await Assert.ThrowsAsync<RpcException>(() => SessionsClient.GetSessionAsync(new GetSessionRequest { SessionId = stopped.Id }).ResponseAsync);
            Assert.Equal(StatusCode.NotFound, gone.StatusCode);
        }
        finally
        {
            Directory.Delete(outDir, recursive: true);
        }
    }

    [Fact]
    public async Task ArmThenTrigger_SessionStartsPreTriggerSecondsBeforeTheTrigger()
    {
        var notArmed = await Assert.ThrowsAsync<RpcException>(() => RigClient.TriggerAsync(new TriggerRequest()).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, notArmed.StatusCode);
        var badArm = await Assert.ThrowsAsync<RpcException>(() => RigClient.ArmAsync(new ArmRequest { PreTriggerSeconds = -3 }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, badArm.StatusCode);

        await RigClient.ArmAsync(new ArmRequest { PreTriggerSeconds = 2, Name = "armed" });
        await Task.Delay(3000);
        var status = await RigClient.GetStatusAsync(new GetStatusRequest());
        Assert.True(status.Armed.Armed);
        Assert.False(status.Recording);
        Assert.InRange(status.Armed.BufferedSeconds, 1.5, 2.5);
        // the trigger happened between these two readings of rig time, however long the calls took on a busy machine
        long beforeNs = (await RigClient.GetStatusAsync(new GetStatusRequest())).RigTimeNs;
        var triggered = await RigClient.TriggerAsync(new TriggerRequest());
        long afterNs = (await RigClient.GetStatusAsync(new GetStatusRequest())).RigTimeNs;
        await Task.Delay(1000);
        var stopped = await RigClient.StopRecordingAsync(new StopRecordingRequest());
        Assert.Equal("armed", stopped.Name);
        Assert.InRange(stopped.StartNs, beforeNs - 2_500_000_000, afterNs - 1_700_000_000);
        foreach (var s in stopped.Streams.Where(s => s.NominalRateHz > 0))
        {
            var c = stopped.Counts[s.Id];
            Assert.Equal(c.Produced, c.Recorded + c.Dropped);
            Assert.True(c.Recorded > s.NominalRateHz * 2.5, $"{s.Id}: {c.Recorded} samples for ~3 s");
        }
        Assert.False((await RigClient.GetStatusAsync(new GetStatusRequest())).Armed.Armed);
    }

    private sealed class Progress(Action<PullProgress> report) : IProgress<PullProgress>
    {
        public void Report(PullProgress value) => report(value);
    }
}
