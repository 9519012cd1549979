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
            Assert.NotEqual("", qa.Verdict);
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

    public async Task DisposeAsync()
    {
        await ProcessRunner.RunAsync("umount", [_mount], TimeSpan.FromSeconds(20));
        Directory.Delete(_mount, recursive: true);
        Directory.Delete(_work, recursive: true);
    }
}
