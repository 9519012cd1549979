using EdgeRig.Api.V1;
using EdgeRig.Export.Mcap;
using EdgeRig.Service;
using Grpc.Core;

namespace EdgeRig.IntegrationTests;

/// <summary>Calibration through the service: a stimulus run on a recorded session, a saved profile, and an export that applies it.</summary>
public sealed class CalibrationTests
{
    [Fact]
    public async Task StimulusRun_SavesVersionedProfile_ExportAppliesItToLogTime()
    {
        string dir = Paths.TempDir("calib");
        string data = Path.Combine(dir, "data");
        // events every ~0.7 s so a short recording has enough stimuli
        string rigFile = Path.Combine(Paths.RepoRoot, "tests", "EdgeRig.IntegrationTests", "sim-calibration.json");
        var app = EdgeRigHost.Build(["--urls", "http://127.0.0.1:0", "--data-dir", data, "--rig", rigFile, "--Logging:LogLevel:Default=Warning"]);
        await app.StartAsync();
        try
        {
            string url = app.Urls.Single();
            using var channel = Paths.AuthedChannel(url, data);
            var rig = new Rig.RigClient(channel);
            var calibration = new Api.V1.Calibration.CalibrationClient(channel);
            var session = await rig.StartRecordingAsync(new StartRecordingRequest { Name = "stimuli" });
            await Task.Delay(TimeSpan.FromSeconds(12));
            await rig.StopRecordingAsync(new StopRecordingRequest());

            var report = await calibration.RunStimulusAsync(new RunStimulusRequest { SessionId = session.Id, SaveAs = "lab-bench", Note = "test" });
            Assert.True(report.Passed, string.Join("; ", report.Streams.Select(s => $"{s.Stream}: {s.FailedBecause}")));
            Assert.Equal(1, report.Saved.Version);
            var cam0 = report.Streams.Single(s => s.Stream == "cam0");
            Assert.InRange(cam0.OffsetNs / 1e6, 15, 35); // exposure + link latency of the simulated camera
            var again = await calibration.RunStimulusAsync(new RunStimulusRequest { SessionId = session.Id, SaveAs = "lab-bench" });
            Assert.Equal(2, again.Saved.Version);
            var profile = await calibration.GetProfileAsync(new GetProfileRequest { Name = "lab-bench", Version = 1 });
            Assert.Equal([1, 2], profile.History.Select(h => h.Version));
            Assert.Contains("lab-bench", (await calibration.ListProfilesAsync(new ListProfilesRequest())).Profiles.Select(p => p.Name));

            var missing = await Assert.ThrowsAsync<RpcException>(() => calibration.GetProfileAsync(new GetProfileRequest { Name = "nope" }).ResponseAsync);
            Assert.Equal(StatusCode.NotFound, missing.StatusCode);

            // the same session exported plain and with lab-bench v1: every cam0 log_time moves earlier by the profile's offset
            var env = Paths.CliEnv(url, data);
            string plain = Path.Combine(dir, "plain.mcap"), calibrated = Path.Combine(dir, "calibrated.mcap");
            var a = await ProcessRunner.RunAsync("dotnet", [Paths.CliDll, "export", session.Id, "--out", plain, "--streams", "cam0"], TimeSpan.FromSeconds(120), env);
            Assert.True(a.ExitCode == 0, a.Stderr);
            var b = await ProcessRunner.RunAsync("dotnet", [Paths.CliDll, "export", session.Id, "--out", calibrated, "--streams", "cam0", "--calibration", "lab-bench@1"], TimeSpan.FromSeconds(120), env);
            Assert.True(b.ExitCode == 0, b.Stderr);
            var before = Read(plain);
            var after = Read(calibrated);
            Assert.Equal(before.Count, after.Count);
            long expected = (long)Math.Round(profile.Profile.Streams.Single(s => s.Stream == "cam0").OffsetNs);
            Assert.All(before.Zip(after), p => Assert.Equal(expected, (long)(p.First - p.Second)));

            // offline: the profile file applied to a pulled folder gives the same times; a dataset records which profile it used
            string profileFile = Path.Combine(dir, "lab-bench.json");
            var show = await ProcessRunner.RunAsync("dotnet", [Paths.CliDll, "calibrate", "show", "lab-bench", "--version", "1", "--export", profileFile], TimeSpan.FromSeconds(120), env);
            Assert.True(show.ExitCode == 0, show.Stderr);
            var pull = await ProcessRunner.RunAsync("dotnet", [Paths.CliDll, "pull", session.Id, "--out", Path.Combine(dir, "pulled"), "--json"], TimeSpan.FromSeconds(120), env);
            Assert.True(pull.ExitCode == 0, pull.Stderr);
            string offline = Path.Combine(dir, "offline.mcap");
            var c = await ProcessRunner.RunAsync("dotnet", [Paths.CliDll, "export", "--from-folder", Path.Combine(dir, "pulled", session.Id), "--out", offline,
                "--streams", "cam0", "--calibration", profileFile], TimeSpan.FromSeconds(120), env);
            Assert.True(c.ExitCode == 0, c.Stderr);
            Assert.Equal(after, Read(offline));
            foreach (var file in new[] { calibrated, offline })
            {
                using var mcap = File.OpenRead(file);
                var attachment = new McapReader(mcap).ReadRecords().OfType<Attachment>().Single();
                Assert.Equal("calibration/lab-bench@1.json", attachment.Name);
                Assert.Contains("edgerig-calibration-profile/1", System.Text.Encoding.UTF8.GetString(attachment.Data));
            }
            string dataset = Path.Combine(dir, "dataset");
            var d = await ProcessRunner.RunAsync("dotnet", [Paths.CliDll, "export", "--from-folder", Path.Combine(dir, "pulled", session.Id), "--format", "dataset",
                "--out", dataset, "--calibration", "lab-bench@1"], TimeSpan.FromSeconds(180), env);
            Assert.True(d.ExitCode == 0, d.Stderr);
            Assert.Contains("profile lab-bench v1", File.ReadAllText(Path.Combine(dataset, "metadata.json")));

            // applying a profile to the old session: exports default to it, "none" gives raw rig time, stored bytes unchanged
            var sessions = new Sessions.SessionsClient(channel);
            string hashBefore = await SessionHashOf(sessions, session.Id);
            var applied = await ProcessRunner.RunAsync("dotnet", [Paths.CliDll, "calibrate", "apply", "lab-bench@1", "--session", session.Id], TimeSpan.FromSeconds(120), env);
            Assert.True(applied.ExitCode == 0, applied.Stderr);
            Assert.Equal("lab-bench@1", (await sessions.GetSessionAsync(new GetSessionRequest { SessionId = session.Id })).Calibration);
            string byDefault = Path.Combine(dir, "default.mcap"), raw = Path.Combine(dir, "raw.mcap");
            Assert.Equal(0, (await ProcessRunner.RunAsync("dotnet", [Paths.CliDll, "export", session.Id, "--out", byDefault, "--streams", "cam0"], TimeSpan.FromSeconds(120), env)).ExitCode);
            Assert.Equal(after, Read(byDefault));
            Assert.Equal(0, (await ProcessRunner.RunAsync("dotnet", [Paths.CliDll, "export", session.Id, "--out", raw, "--streams", "cam0", "--calibration", "none"], TimeSpan.FromSeconds(120), env)).ExitCode);
            Assert.Equal(before, Read(raw));
            Assert.Equal(hashBefore, await SessionHashOf(sessions, session.Id));

            // a session recorded now starts with the rig's latest profile
            var next = await rig.StartRecordingAsync(new StartRecordingRequest { Name = "after calibration" });
            await rig.StopRecordingAsync(new StopRecordingRequest());
            Assert.Equal("lab-bench@2", next.Calibration);

            var badRef = await ProcessRunner.RunAsync("dotnet", [Paths.CliDll, "export", session.Id, "--out", plain, "--calibration", "lab-bench@x"], TimeSpan.FromSeconds(120), env);
            Assert.Equal(1, badRef.ExitCode);
            Assert.Contains("positive number", badRef.Stderr);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<string> SessionHashOf(Sessions.SessionsClient sessions, string id)
    {
        using var call = sessions.PullSession(new PullSessionRequest { SessionId = id });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        return call.ResponseStream.Current.Header.SessionSha256;
    }

    private static List<ulong> Read(string file)
    {
        using var stream = File.OpenRead(file);
        return new McapReader(stream).ReadMessages("/cam0").Select(m => m.LogTime).ToList();
    }
}
