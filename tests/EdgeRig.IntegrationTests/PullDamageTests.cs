using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using EdgeRig.Api.V1;
using EdgeRig.Formats;

namespace EdgeRig.IntegrationTests;

/// <summary>
/// Pulls from the service as a process, the way a field rig fails: bytes of a session's segment file damaged on disk, and the
/// service stopped (SIGTERM) and restarted in the middle of a pull.
/// </summary>
public sealed class PullDamageTests
{
    /// <summary>The service as a process on a fixed loopback port, so a restart is found at the same address.</summary>
    internal sealed class ServiceProcess(string dataDir, int port) : IAsyncDisposable
    {
        private Process? _process;

        public string Url { get; } = $"http://127.0.0.1:{port}";

        public async Task StartAsync()
        {
            _process = ProcessRunner.Start("dotnet", [Paths.ServiceDll, "--rig", Paths.QuietButtonRig(dataDir), "--data-dir", dataDir, "--urls", Url]);
            using var channel = Paths.AuthedChannel(Url, dataDir);
            await ProcessTests.WaitUntilServing(new Rig.RigClient(channel));
            await RigServiceFixture.WaitForSyncAsync(channel);
        }

        /// <summary>SIGTERM, as systemd stops it; returns once the process has exited.</summary>
        public async Task TerminateAsync()
        {
            if (_process is null) return;
            Signal(_process.Id, "TERM");
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await _process.WaitForExitAsync(cts.Token);
            _process.Dispose();
            _process = null;
        }

        public async ValueTask DisposeAsync()
        {
            if (_process is { HasExited: false }) _process.Kill();
            if (_process is not null) await _process.WaitForExitAsync();
            _process?.Dispose();
        }
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    private static Task<ProcessRunner.Result> Cli(string url, string dataDir, params string[] args) =>
        ProcessRunner.RunAsync("dotnet", [Paths.CliDll, .. args], TimeSpan.FromSeconds(180), Paths.CliEnv(url, dataDir));

    private static async Task<SessionInfo> RecordAsync(string url, string dataDir, TimeSpan length)
    {
        using var channel = Paths.AuthedChannel(url, dataDir);
        var rig = new Rig.RigClient(channel);
        await rig.StartRecordingAsync(new StartRecordingRequest { Name = "pull damage", Operator = "ana" });
        await Task.Delay(length);
        return await rig.StopRecordingAsync(new StopRecordingRequest());
    }

    private static async Task<SessionInfo> GetSessionAsync(string url, string dataDir, string id)
    {
        using var channel = Paths.AuthedChannel(url, dataDir);
        return await new Sessions.SessionsClient(channel).GetSessionAsync(new GetSessionRequest { SessionId = id });
    }

    /// <summary>
    /// Inverts 16 bytes in the middle of the session's segment file, inside the data of the chunk frame ("ERS2", meta length,
    /// data length, CRCs, meta, data) that holds the middle; returns that frame's number, which is the chunk's ordinal in pull order.
    /// </summary>
    private static (int Ordinal, int Length) FlipBytesInTheMiddle(string segmentFile)
    {
        using var f = new FileStream(segmentFile, FileMode.Open, FileAccess.ReadWrite);
        long middle = f.Length / 2, at = 0;
        var header = new byte[24];
        for (int ordinal = 0; at < f.Length; ordinal++)
        {
            f.Position = at;
            f.ReadExactly(header);
            Assert.Equal("ERS2"u8.ToArray(), header[..4]);
            int meta = (int)BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4));
            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(8));
            long payload = at + header.Length + meta;
            if (payload + length > middle && length >= 64)
            {
                long flipAt = Math.Clamp(middle, payload + 16, payload + length - 32);
                var bytes = new byte[16];
                f.Position = flipAt;
                f.ReadExactly(bytes);
                f.Position = flipAt;
                f.Write(bytes.Select(b => (byte)~b).ToArray());
                f.Flush(flushToDisk: true);
                return (ordinal, length);
            }
            at = payload + length;
        }
        throw new InvalidOperationException($"{segmentFile}: no chunk frame holds its middle");
    }

    [Fact]
    public async Task CorruptBytesInTheSegment_PullDeliversEveryOtherChunkVerified_NamesTheDamagedOne_Exit5_AllowPartialExit0()
    {
        string dir = Paths.TempDir("pull-damage");
        string outDir = Paths.TempDir("pull-damage-out");
        var service = new ServiceProcess(dir, ProcessTests.FreePort());
        try
        {
            await service.StartAsync();
            var session = await RecordAsync(service.Url, dir, TimeSpan.FromSeconds(4));
            await service.TerminateAsync();
            var (ordinal, length) = FlipBytesInTheMiddle(Path.Combine(dir, "sessions", session.Id + ".seg"));
            await service.StartAsync();

            // --force: a short session may fail QA on its clock-mapping warm-up; that is not what this test is about
            var strict = await Cli(service.Url, dir, "pull", session.Id, "--out", outDir, "--force");
            Assert.True(strict.ExitCode == 5, $"exit {strict.ExitCode}\n{strict.Stdout}\n{strict.Stderr}");
            string folder = Path.Combine(outDir, session.Id);
            var manifest = PulledSessionManifest.Load(folder);
            var missing = Assert.Single(manifest.Missing);
            Assert.Equal((ordinal, length, "corrupt"), (missing.Ordinal, missing.StoredLength, missing.Kind));
            string name = $"{missing.Stream}/{missing.Index}";
            Assert.Contains(name, missing.Reason);
            Assert.Contains("CRC32C", missing.Reason);
            Assert.Contains($"not pulled {name} corrupt", strict.Stdout);
            Assert.Contains("pull incomplete", strict.Stderr);
            Assert.Contains(name, strict.Stderr);
            // every other chunk arrived, verified against the rig's SHA-256, and the session hash covers the damaged one in its place
            Assert.Equal(session.ChunkCount - 1, manifest.Chunks.Count);
            Assert.Empty(new PulledSessionFolder(folder).Verify());
            Assert.False(File.Exists(Path.Combine(folder, EdgeRig.Cli.SessionPuller.StateFile)));
            Assert.Equal(0, (await GetSessionAsync(service.Url, dir, session.Id)).PulledAtMs); // a partial pull is not confirmed by itself

            // again: nothing new to fetch, the damaged chunk is not retried forever, same verdict
            var again = await Cli(service.Url, dir, "pull", session.Id, "--out", outDir, "--force", "--json");
            Assert.True(again.ExitCode == 5, $"exit {again.ExitCode}\n{again.Stdout}\n{again.Stderr}");
            using (var json = JsonDocument.Parse(again.Stdout))
            {
                Assert.Equal(0, json.RootElement.GetProperty("chunksTransferred").GetInt32());
                Assert.Equal(name, $"{json.RootElement.GetProperty("missing")[0].GetProperty("stream").GetString()}/{json.RootElement.GetProperty("missing")[0].GetProperty("index").GetInt32()}");
            }

            // the folder exports what is there and names what is not
            string mcap = Path.Combine(outDir, "partial.mcap");
            var export = await Cli(service.Url, dir, "export", "--from-folder", folder, "--out", mcap);
            Assert.True(export.ExitCode == 5, $"exit {export.ExitCode}\n{export.Stdout}\n{export.Stderr}");
            Assert.Contains(name, export.Stderr);
            Assert.True(new FileInfo(mcap).Length > 0);

            var accepted = await Cli(service.Url, dir, "pull", session.Id, "--out", outDir, "--force", "--allow-partial");
            Assert.True(accepted.ExitCode == 0, $"exit {accepted.ExitCode}\n{accepted.Stdout}\n{accepted.Stderr}");
            Assert.Contains($"not pulled {name}", accepted.Stdout);
            Assert.True((await GetSessionAsync(service.Url, dir, session.Id)).PulledAtMs > 0, "--allow-partial confirms the pull to the rig");
            var exportAllowed = await Cli(service.Url, dir, "export", "--from-folder", folder, "--out", mcap, "--allow-partial", "--overwrite");
            Assert.True(exportAllowed.ExitCode == 0, exportAllowed.Stderr);
        }
        finally
        {
            await service.DisposeAsync();
            Directory.Delete(dir, recursive: true);
            Directory.Delete(outDir, recursive: true);
            File.Delete(Paths.QuietButtonRig(dir, write: false));
        }
    }

    [Fact]
    public async Task ServiceStoppedDuringAPull_RestartedOnTheSameDataAndPort_CliCompletesAndConfirms()
    {
        string dir = Paths.TempDir("pull-restart");
        string outDir = Paths.TempDir("pull-restart-out");
        var service = new ServiceProcess(dir, ProcessTests.FreePort());
        Process? cli = null;
        try
        {
            await service.StartAsync();
            var session = await RecordAsync(service.Url, dir, TimeSpan.FromSeconds(6));
            string folder = Path.Combine(outDir, session.Id);

            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Paths.RepoRoot };
            foreach (var a in new[] { Paths.CliDll, "pull", session.Id, "--out", outDir, "--force", "--json" }) psi.ArgumentList.Add(a);
            foreach (var (k, v) in Paths.CliEnv(service.Url, dir)) psi.Environment[k] = v;
            var stdout = new StringBuilder();
            var stderr = new StringBuilder();
            cli = Process.Start(psi)!;
            cli.OutputDataReceived += (_, e) => { lock (stdout) stdout.AppendLine(e.Data); };
            cli.ErrorDataReceived += (_, e) => { lock (stderr) stderr.AppendLine(e.Data); };
            cli.BeginOutputReadLine();
            cli.BeginErrorReadLine();

            // freeze the CLI once chunks are landing, so the service is stopped under a pull in progress, not before or after it
            string state = Path.Combine(folder, EdgeRig.Cli.SessionPuller.StateFile);
            var until = DateTime.UtcNow.AddSeconds(60);
            while (!(File.Exists(state) && File.ReadAllText(state).Length > 0) && !cli.HasExited && DateTime.UtcNow < until) await Task.Delay(2);
            if (cli.HasExited) Assert.Fail($"the CLI ended before the test could stop the service: exit {cli.ExitCode}: {stdout}{stderr}");
            Signal(cli.Id, "STOP");
            Assert.False(File.Exists(Path.Combine(folder, PulledSessionManifest.FileName)), "the pull finished before the CLI was frozen: record a longer session");

            // SIGTERM; once the service no longer listens, the CLI goes on: it can reach no service until the restart
            var terminated = service.TerminateAsync();
            until = DateTime.UtcNow.AddSeconds(30);
            while (Listening(service.Url) && DateTime.UtcNow < until) await Task.Delay(20);
            Signal(cli.Id, "CONT");
            await terminated;
            await Task.Delay(TimeSpan.FromSeconds(3)); // longer than the CLI's whole retry window was (2 s), and a restart takes more
            if (cli.HasExited) Assert.Fail($"the CLI gave up while the service was down: exit {cli.ExitCode}: {stderr}");
            await service.StartAsync();

            using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90))) await cli.WaitForExitAsync(cts.Token);
            cli.WaitForExit(); // flushes the redirected output
            Assert.True(cli.ExitCode == 0, $"exit {cli.ExitCode}\n{stdout}\n{stderr}");
            using (var result = JsonDocument.Parse(stdout.ToString()))
                Console.WriteLine($"pull through a restart: {result.RootElement.GetProperty("attempts").GetInt32()} attempts, {result.RootElement.GetProperty("chunksTransferred").GetInt32()} chunks");
            Assert.Empty(new PulledSessionFolder(folder).Verify());
            Assert.Equal(session.ChunkCount, PulledSessionManifest.Load(folder).Chunks.Count);
            Assert.True((await GetSessionAsync(service.Url, dir, session.Id)).PulledAtMs > 0, "the restarted rig recorded the confirmed pull");
        }
        finally
        {
            if (cli is { HasExited: false })
            {
                Signal(cli.Id, "CONT");
                cli.Kill();
            }
            cli?.Dispose();
            await service.DisposeAsync();
            Directory.Delete(dir, recursive: true);
            Directory.Delete(outDir, recursive: true);
            File.Delete(Paths.QuietButtonRig(dir, write: false));
        }
    }

    private static bool Listening(string url)
    {
        var uri = new Uri(url);
        try
        {
            using var tcp = new System.Net.Sockets.TcpClient();
            tcp.Connect(uri.Host, uri.Port);
            return true;
        }
        catch (System.Net.Sockets.SocketException) { return false; }
    }
}
