using System.Diagnostics;
using EdgeRig.Api.V1;
using EdgeRig.Cli;
using EdgeRig.Formats;
using EdgeRig.Service;
using Grpc.Net.Client;

namespace EdgeRig.IntegrationTests;

/// <summary>A real small filesystem (a 48 MiB tmpfs mounted by the test) fills up while recording.</summary>
public sealed class DiskFullTests : IAsyncLifetime
{
    private readonly string _mount = Paths.TempDir("tmpfs");
    private readonly string _work = Paths.TempDir("diskfull");

    public async Task InitializeAsync()
    {
        var r = await ProcessRunner.RunAsync("mount", ["-t", "tmpfs", "-o", "size=48m", "tmpfs", _mount], TimeSpan.FromSeconds(20));
        Assert.True(r.ExitCode == 0, $"mount tmpfs (needs root): {r.Stderr}");
    }

    [Fact]
    public async Task ReserveReached_RecordingStopsWithReason_ServiceUp_FlushedDataIntact()
    {
        string rigFile = Path.Combine(_work, "rig.json");
        File.WriteAllText(rigFile, File.ReadAllText(Paths.Rig("sim-default.json"))
            .Replace("\"maxChunkBytes\": 4194304 }", "\"maxChunkBytes\": 4194304, \"freeSpaceReserveMiB\": 8 }"));
        var app = EdgeRigHost.Build(["--urls", "http://127.0.0.1:0", "--data-dir", _mount, "--rig", rigFile, "--Logging:LogLevel:Default=Warning"]);
        await app.StartAsync();
        try
        {
            using var channel = Paths.AuthedChannel(app.Urls.Single(), _mount);
            var rig = new Rig.RigClient(channel);
            var session = await rig.StartRecordingAsync(new StartRecordingRequest { Name = "fills the disk" });
            var sw = Stopwatch.StartNew();
            RigStatus status;
            do
            {
                await Task.Delay(500);
                status = await rig.GetStatusAsync(new GetStatusRequest());
            }
            while (status.Recording && sw.Elapsed < TimeSpan.FromSeconds(60));
            Assert.False(status.Recording, "recording did not stop as the disk filled");
            Assert.Contains("disk reserve reached", status.LastStopReason);

            var info = await new Sessions.SessionsClient(channel).GetSessionAsync(new GetSessionRequest { SessionId = session.Id });
            Assert.Equal("Complete", info.State);
            Assert.Contains("disk reserve reached", info.StopReason);
            Assert.True(info.ChunkCount > 0);
            foreach (var (stream, c) in info.Counts)
                Assert.Equal(c.Produced, c.Recorded + c.Dropped);

            // a new session is refused with the reason, the service stays up
            var refused = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => rig.StartRecordingAsync(new StartRecordingRequest { Name = "again" }).ResponseAsync);
            Assert.Equal(Grpc.Core.StatusCode.ResourceExhausted, refused.StatusCode);
            Assert.Contains("disk reserve reached", refused.Status.Detail);

            // everything that was flushed pulls and verifies
            // a session cut short by a full disk drops samples on the way: QA fails it, and an admin may still take what was kept
            var qa = await new Sessions.SessionsClient(channel).GetQaReportAsync(new GetQaReportRequest { SessionId = session.Id });
            Assert.NotEqual(Verdict.Unspecified, qa.Verdict);
            var pulled = await new SessionPuller(new Sessions.SessionsClient(channel)) { Force = true }.PullAsync(session.Id, _work, null, CancellationToken.None);
            var folder = new PulledSessionFolder(pulled.Folder);
            Assert.Empty(folder.Verify());
            Assert.Equal(info.Counts["cam0"].Recorded, folder.ReadSamples("cam0").Count());
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task DiskFilledByAnotherProgram_FailingWritesSayResourceExhausted_HealthNotServing_RecoversWhenSpaceReturns()
    {
        string rigFile = Path.Combine(_work, "rig.json");
        File.WriteAllText(rigFile, File.ReadAllText(Paths.Rig("sim-default.json"))
            .Replace("\"maxChunkBytes\": 4194304 }", "\"maxChunkBytes\": 4194304, \"freeSpaceReserveMiB\": 2 }"));
        string data = Path.Combine(_mount, "d");
        var app = EdgeRigHost.Build(["--urls", "http://127.0.0.1:0", "--data-dir", data, "--rig", rigFile, "--Logging:LogLevel:Default=Warning"]);
        await app.StartAsync();
        try
        {
            using var channel = Paths.AuthedChannel(app.Urls.Single(), data);
            var rig = new Rig.RigClient(channel);
            var sessions = new Sessions.SessionsClient(channel);
            var admin = new Admin.AdminClient(channel);
            var health = new Grpc.Health.V1.Health.HealthClient(channel);
            Assert.Equal(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new Grpc.Health.V1.HealthCheckRequest())).Status);
            var session = await rig.StartRecordingAsync(new StartRecordingRequest { Name = "another program fills the disk" });
            await Task.Delay(1500);

            // another program takes every free byte
            string filler = Path.Combine(_mount, "filler");
            await ProcessRunner.RunAsync("dd", ["if=/dev/zero", $"of={filler}", "bs=1M"], TimeSpan.FromMinutes(1));
            var refused = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => admin.CreateTokenAsync(new CreateTokenRequest { Name = "while-full", Role = "data" }).ResponseAsync);
            Assert.Equal(Grpc.Core.StatusCode.ResourceExhausted, refused.StatusCode);
            var sw = Stopwatch.StartNew();
            var status = await rig.GetStatusAsync(new GetStatusRequest());
            while (status.Recording && sw.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(200);
                status = await rig.GetStatusAsync(new GetStatusRequest());
            }
            Assert.False(status.Recording, "the session did not end when the disk filled");
            Assert.Contains("disk", status.LastStopReason);
            Assert.Equal(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.NotServing, (await health.CheckAsync(new Grpc.Health.V1.HealthCheckRequest())).Status);
            // reads keep working while the disk is full
            Assert.Contains((await sessions.ListSessionsAsync(new ListSessionsRequest())).Sessions, s => s.Id == session.Id);

            // space comes back: the store recovers by itself, nothing flushed is lost
            File.Delete(filler);
            Assert.Equal(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new Grpc.Health.V1.HealthCheckRequest())).Status);
            var token = await admin.CreateTokenAsync(new CreateTokenRequest { Name = "after-full", Role = "data" });
            Assert.StartsWith("erk_", token.Secret);
            var info = await sessions.GetSessionAsync(new GetSessionRequest { SessionId = session.Id });
            Assert.True(info.ChunkCount > 0);
            Assert.Equal("Complete", info.State); // its close, refused while the disk was full, was written when space returned
            Assert.Contains("disk", info.StopReason);
            var pulled = await new SessionPuller(sessions) { Force = true }.PullAsync(session.Id, _work, null, CancellationToken.None);
            Assert.Empty(new PulledSessionFolder(pulled.Folder).Verify());
            var next = await rig.StartRecordingAsync(new StartRecordingRequest { Name = "after the disk was freed" });
            await Task.Delay(1000);
            var stopped = await rig.StopRecordingAsync(new StopRecordingRequest());
            Assert.Equal(next.Id, stopped.Id);
            Assert.True(stopped.ChunkCount > 0);
            // nothing left behind by the full disk may throw from a finalizer later (that would end the whole process)
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    public async Task DisposeAsync()
    {
        // a LiteDB engine that failed on the full disk may keep its file open until finalised: detach lazily then
        if ((await ProcessRunner.RunAsync("umount", [_mount], TimeSpan.FromSeconds(20))).ExitCode != 0)
            await ProcessRunner.RunAsync("umount", ["-l", _mount], TimeSpan.FromSeconds(20));
        Directory.Delete(_mount, recursive: true);
        Directory.Delete(_work, recursive: true);
    }
}
