using EdgeRig.Api.V1;

namespace EdgeRig.IntegrationTests;

/// <summary>
/// A damaged session index (issue #14 item 3): the service rebuilds it by itself when it cannot be read, and an admin can
/// rebuild one on demand, online (`edgerig admin repair ID`) or offline (`edgerig-service --repair`).
/// </summary>
public sealed class RepairTests
{
    private static Task<ProcessRunner.Result> Cli(string url, string dataDir, params string[] args) =>
        ProcessRunner.RunAsync("dotnet", [Paths.CliDll, .. args], TimeSpan.FromSeconds(180), Paths.CliEnv(url, dataDir));

    [Fact]
    public async Task DamagedIndex_RebuiltAtStart_ExportWorks_RepairOnlineAndOffline()
    {
        string dir = Paths.TempDir("repair");
        string data = Path.Combine(dir, "data");
        var service = new PullDamageTests.ServiceProcess(data, ProcessTests.FreePort());
        try
        {
            await service.StartAsync();
            string id;
            int chunks;
            using (var channel = Paths.AuthedChannel(service.Url, data))
            {
                var rig = new Rig.RigClient(channel);
                id = (await rig.StartRecordingAsync(new StartRecordingRequest { Name = "to be repaired" })).Id;
                await Task.Delay(2500);
                chunks = (await rig.StopRecordingAsync(new StopRecordingRequest())).ChunkCount;
            }
            Assert.True(chunks > 0);

            // online: the admin rebuilds the index; the old one is kept aside, the repair is audited
            var online = await Cli(service.Url, data, "admin", "repair", id);
            Assert.True(online.ExitCode == 0, online.Stderr);
            Assert.Contains($"repaired {id}: {chunks} chunks", online.Stdout);
            Assert.Single(Directory.GetFiles(Path.Combine(data, "sessions"), $"{id}.db.damaged-*"));
            var audit = await Cli(service.Url, data, "audit", "--json");
            Assert.Contains("session.repair", audit.Stdout);

            // the index damaged while the service is down (bytes flipped through the whole file): rebuilt at start, export works
            await service.TerminateAsync();
            string index = Path.Combine(data, "sessions", id + ".db");
            var bytes = File.ReadAllBytes(index);
            for (int i = 0; i < bytes.Length; i += 61) bytes[i] ^= 0x5A;
            File.WriteAllBytes(index, bytes);
            await service.StartAsync();
            string mcap = Path.Combine(dir, "out.mcap");
            var export = await Cli(service.Url, data, "export", id, "--out", mcap, "--force");
            Assert.True(export.ExitCode == 0, $"exit {export.ExitCode}: {export.Stderr}");
            Assert.True(new FileInfo(mcap).Length > 0);
            using (var channel = Paths.AuthedChannel(service.Url, data))
                Assert.Equal(chunks, (await new Sessions.SessionsClient(channel).GetSessionAsync(new GetSessionRequest { SessionId = id })).ChunkCount);

            // offline: refused while the service holds the data directory, then rebuilds every session's index
            var busy = await ProcessRunner.RunAsync("dotnet", [Paths.ServiceDll, "--repair", "--data-dir", data], TimeSpan.FromMinutes(2));
            Assert.Equal(1, busy.ExitCode);
            Assert.Contains("stop the service first", busy.Stderr);
            await service.TerminateAsync();
            var offline = await ProcessRunner.RunAsync("dotnet", [Paths.ServiceDll, "--repair", "--data-dir", data], TimeSpan.FromMinutes(2));
            Assert.True(offline.ExitCode == 0, offline.Stderr);
            Assert.Contains($"{id}: {chunks} chunk(s) indexed", offline.Stdout);

            // a damaged catalogue (32 bytes flipped in each of 16 pages): the service starts, moves it aside and rebuilds it,
            // the session is listed and the admin token still works
            string catalogue = Path.Combine(data, "catalogue.db");
            var cat = File.ReadAllBytes(catalogue);
            var random = new Random(4);
            for (int page = 0; page < Math.Min(16, cat.Length / 8192); page++)
                for (int i = 0; i < 32; i++) cat[page * 8192 + 64 + random.Next(8000)] ^= 0xFF;
            File.WriteAllBytes(catalogue, cat);
            await service.StartAsync();
            using (var channel = Paths.AuthedChannel(service.Url, data))
            {
                var listed = await new Sessions.SessionsClient(channel).ListSessionsAsync(new ListSessionsRequest());
                Assert.Equal(chunks, Assert.Single(listed.Sessions, x => x.Id == id).ChunkCount);
                var audited = await new Admin.AdminClient(channel).ListAuditAsync(new ListAuditRequest { Limit = 1000 });
                Assert.Contains(audited.Entries, e => e.Action == "store.repair" && e.Detail.Contains(catalogue) && e.Detail.Contains("moved to catalogue.db.damaged-"));
            }
            Assert.Single(Directory.GetFiles(data, "catalogue.db.damaged-*"));
        }
        finally
        {
            await service.DisposeAsync();
            Directory.Delete(dir, recursive: true);
        }
    }
}
