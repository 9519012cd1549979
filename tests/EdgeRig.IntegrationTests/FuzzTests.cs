using System.Text.Json;
using EdgeRig.Service;

namespace EdgeRig.IntegrationTests;

/// <summary>Hostile input from an independent Node client: every call gets a proper status, the service stays up, nothing outside the data dir is touched.</summary>
public sealed class FuzzTests
{
    [Fact]
    public async Task HostileCalls_ProperStatusCodes_ServiceStaysUp_NoFileOutsideDataDir()
    {
        string root = Paths.TempDir("fuzz");
        string data = Path.Combine(root, "data");
        var passwdBefore = File.GetLastWriteTimeUtc("/etc/passwd");
        var app = EdgeRigHost.Build(["--urls", "http://127.0.0.1:0", "--data-dir", data, "--rig", Paths.Rig("sim-default.json"), "--Logging:LogLevel:Default=Warning"]);
        await app.StartAsync();
        try
        {
            var r = await ProcessRunner.RunAsync("node", [Path.Combine(Paths.RepoRoot, "tests", "node", "fuzz.mjs"), new Uri(app.Urls.Single()).Authority],
                TimeSpan.FromSeconds(300), new Dictionary<string, string> { ["EDGERIG_TOKEN"] = File.ReadAllText(Paths.AdminTokenFile(data)).Trim() });
            Assert.True(r.ExitCode == 0, r.Stderr);
            using var doc = JsonDocument.Parse(r.Stdout);
            var result = doc.RootElement;
            Assert.True(result.GetProperty("cases").GetInt32() > 60);
            Assert.True(result.GetProperty("unexpected").GetArrayLength() == 0, result.GetProperty("unexpected").ToString());
            Assert.True(result.GetProperty("up").GetBoolean());
            var codes = result.GetProperty("flood").GetProperty("codes");
            Assert.False(codes.TryGetProperty("2", out _), $"UNKNOWN in the flood: {codes}");   // no unhandled failure
            Assert.False(codes.TryGetProperty("4", out _), $"DEADLINE_EXCEEDED in the flood: {codes}");
            Assert.False(codes.TryGetProperty("14", out _), $"UNAVAILABLE in the flood: {codes}"); // the service never went away
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        Assert.Equal(["data"], Directory.GetFileSystemEntries(root).Select(Path.GetFileName));
        Assert.Equal(passwdBefore, File.GetLastWriteTimeUtc("/etc/passwd"));
        Assert.Empty(Directory.GetFiles(data, "*passwd*", SearchOption.AllDirectories));
        Directory.Delete(root, recursive: true);
    }
}
