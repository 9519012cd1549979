using System.Diagnostics;
using EdgeRig.Api.V1;
using EdgeRig.Service;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;

namespace EdgeRig.IntegrationTests;

/// <summary>The service as a process: refusing broken rig files, and recovering after kill -9.</summary>
public sealed class ProcessTests
{
    [Fact]
    public async Task BrokenRigFile_ServiceRefusesToStart_NamingFileAndField()
    {
        string dir = Paths.TempDir("broken");
        try
        {
            string rigFile = Path.Combine(dir, "broken-rig.json");
            File.WriteAllText(rigFile, File.ReadAllText(Paths.Rig("sim-default.json")).Replace("\"rateHz\": 400", "\"rateHz\": -400"));
            var r = await ProcessRunner.RunAsync("dotnet", [Paths.ServiceDll, "--rig", rigFile, "--data-dir", dir, "--urls", "http://127.0.0.1:0"], TimeSpan.FromSeconds(60));
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("broken-rig.json", r.Stderr);
            Assert.Contains("devices[4].rateHz", r.Stderr);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task SecondServiceOnTheSameDataDir_RefusedWithOneLineNamingTheHoldersPid()
    {
        string dir = Paths.TempDir("twice");
        var first = EdgeRigHost.Build(["--urls", "http://127.0.0.1:0", "--data-dir", dir, "--rig", Paths.Rig("sim-default.json"), "--dashboard-urls", "none", "--Logging:LogLevel:Default=Warning"]);
        await first.StartAsync();
        try
        {
            var r = await ProcessRunner.RunAsync("dotnet", [Paths.ServiceDll, "--rig", Paths.Rig("sim-default.json"), "--data-dir", dir, "--urls", "http://127.0.0.1:0", "--dashboard-urls", "none"],
                TimeSpan.FromSeconds(60));
            Assert.Equal(1, r.ExitCode);
            string line = Assert.Single(r.Stderr.Trim().Split('\n'));
            Assert.Equal($"edgerig-service: cannot start: data directory '{dir}' is in use by another EdgeRig service (pid {Environment.ProcessId}, holding .lock)", line);
            Assert.DoesNotContain("Now listening", r.Stdout);
        }
        finally
        {
            await first.StopAsync();
            await first.DisposeAsync();
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task KilledWhileRecording_RestartRecoversSessionWithReadableChunks()
    {
        string dir = Paths.TempDir("kill");
        int port = FreePort();
        string url = $"http://127.0.0.1:{port}";
        using var service = ProcessRunner.Start("dotnet", [Paths.ServiceDll, "--rig", Paths.Rig("sim-default.json"), "--data-dir", dir, "--urls", url]);
        string sessionId;
        try
        {
            using var channel = Paths.AuthedChannel(url, dir);
            var rig = new Rig.RigClient(channel);
            await WaitUntilServing(rig);
            sessionId = (await rig.StartRecordingAsync(new StartRecordingRequest { Name = "doomed" })).Id;
            await Task.Delay(2500);
        }
        finally
        {
            service.Kill(); // SIGKILL: no shutdown path runs
            await service.WaitForExitAsync();
        }

        var app = EdgeRigHost.Build(["--urls", "http://127.0.0.1:0", "--data-dir", dir, "--rig", Paths.Rig("sim-default.json"), "--Logging:LogLevel:Default=Warning"]);
        await app.StartAsync();
        try
        {
            var store = (EdgeRig.Core.ISessionStore)app.Services.GetService(typeof(EdgeRig.Core.ISessionStore))!;
            var record = store.GetSession(sessionId);
            Assert.Equal(EdgeRig.Core.SessionState.Recovered, record.Session.State);
            var chunks = store.ListChunks(sessionId);
            Assert.NotEmpty(chunks);
            // at most the flush interval (0.5 s) plus the time to write was lost: >= 1.5 s of the 2.5 s survived
            Assert.True(record.Session.Stop!.Value - record.Session.Start > EdgeRig.Core.Duration.FromSeconds(1.5), $"{record.Session.Stop!.Value - record.Session.Start} survived");
            foreach (var c in chunks)
                Assert.NotEmpty(EdgeRig.Formats.ChunkFormat.Decode(c, store.ReadChunk(sessionId, c)));
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task PtpRequiredButUnavailable_RecordingRefusedWithReason_StatusSaysWhy()
    {
        string dir = Paths.TempDir("ptp-policy");
        string rigFile = Path.Combine(dir, "rig.json");
        string json = File.ReadAllText(Paths.Rig("sim-default.json")).Replace("\"devices\": [",
            "\"ptp\": { \"enabled\": true, \"socket\": \"/nonexistent/ptp4l\", \"requireLockToRecord\": true, \"pollIntervalSeconds\": 0.2 },\n  \"devices\": [");
        File.WriteAllText(rigFile, json);
        var app = EdgeRigHost.Build(["--urls", "http://127.0.0.1:0", "--data-dir", dir, "--rig", rigFile, "--Logging:LogLevel:Default=Warning"]);
        await app.StartAsync();
        try
        {
            string url = app.Urls.Single();
            using var channel = Paths.AuthedChannel(url, dir);
            var rig = new Rig.RigClient(channel);
            await Task.Delay(600);
            var status = await rig.GetStatusAsync(new GetStatusRequest());
            Assert.True(status.Ptp.Enabled);
            Assert.False(status.Ptp.Available);
            Assert.Contains("/nonexistent/ptp4l does not exist", status.Ptp.Error);
            var e = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => rig.StartRecordingAsync(new StartRecordingRequest { Name = "x" }).ResponseAsync);
            Assert.Equal(Grpc.Core.StatusCode.FailedPrecondition, e.StatusCode);
            Assert.Contains("PTP is not locked", e.Status.Detail);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(dir, recursive: true);
        }
    }

    internal static async Task WaitUntilServing(Rig.RigClient rig)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            try { await rig.GetStatusAsync(new GetStatusRequest()); return; }
            catch (Grpc.Core.RpcException) when (sw.Elapsed < TimeSpan.FromSeconds(60)) { await Task.Delay(200); }
        }
    }

    internal static int FreePort()
    {
        var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        int port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
