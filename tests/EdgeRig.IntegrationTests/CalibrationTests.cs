using System.Text.Json;
using EdgeRig.Api.V1;
using EdgeRig.Core;
using EdgeRig.Export.Mcap;
using EdgeRig.Service;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Xunit.Abstractions;

namespace EdgeRig.IntegrationTests;

/// <summary>
/// Calibration through the service on the simulated rig (tests/EdgeRig.IntegrationTests/sim-calibration.json: a trigger
/// output, stimuli 0.9-1.2 s apart): live stimulus and motion runs (the trigger's edges fire the world's stimulus; the world
/// turns the rig), pass/fail against the rig file's tolerance, saved profiles, and exports that apply them.
/// </summary>
public sealed class CalibrationTests(ITestOutputHelper output)
{
    private static readonly string RigFile = Path.Combine(Paths.RepoRoot, "tests", "EdgeRig.IntegrationTests", "sim-calibration.json");

    /// <summary>The CLI built with these tests (the project reference puts it beside them), else the in-tree build.</summary>
    private static string CliDll => File.Exists(Path.Combine(AppContext.BaseDirectory, "edgerig.dll")) ? Path.Combine(AppContext.BaseDirectory, "edgerig.dll") : Paths.CliDll;

    [Fact]
    public async Task LiveStimulusRun_ByCli_PassesAndSaves_SessionRecalibratesFromItsMarkers_ExportAppliesProfile()
    {
        await using var rig = await CalibrationRig.StartAsync("calib");
        var env = Paths.CliEnv(rig.Url, rig.Data);

        var run = await ProcessRunner.RunAsync("dotnet", [CliDll, "calibrate", "run", "--method", "stimulus", "--count", "12", "--save-as", "lab-bench", "--note", "test", "--json"],
            TimeSpan.FromSeconds(120), env);
        output.WriteLine(run.Stdout);
        Assert.True(run.Stdout.TrimStart().StartsWith('{'), $"exit {run.ExitCode}: {run.Stderr}");
        var report = CalibrationReport.Parser.ParseJson(run.Stdout);
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Stderr} {string.Join("; ", report.Streams.Select(s => s.FailedBecause))} {report.NotSavedBecause}");
        Assert.True(report.Passed);
        Assert.Equal("stimulus", report.Method);
        Assert.Equal(12, report.Stimuli);
        Assert.Contains("trigger0", report.References);
        Assert.Equal(1, report.Saved.Version);
        Assert.InRange(report.RunSeconds, 12 * 0.9, 60);
        var profile = RigProfile.Load(RigFile);
        Assert.Equal(["cam0", "cam1", "imu0", "lidar0", "mic0"], report.Streams.Select(s => s.Stream).Order());
        foreach (var s in report.Streams)
        {
            // rig-file latency (plus the exposure for cameras) within the goals (12 stimuli); the LIDAR, seen once a turn, is
            // good to ~100 ms / 24 edges with 12 stimuli, so it is held to its interval, plus the ~1 ms its clock mapping
            // reads early (millisecond stamps with 300 µs noise) which the stimulus method rightly includes
            var device = profile.Devices.Single(d => d.StreamName == s.Stream);
            double truthMs = device.Clock.LatencyMs + (device.Kind == "camera" ? 10 : 0);
            Assert.True(s.Passed, s.FailedBecause);
            if (device.Kind == "lidar")
                Assert.InRange(truthMs * 1e6, s.CiLowNs - 1e6, s.CiHighNs + 1e6);
            else
                Assert.True(Math.Abs(s.OffsetNs / 1e6 - truthMs) <= device.Kind switch { "camera" => 0.5, "microphone" => 0.05, _ => 0.5 },
                    $"{s.Stream}: {s.OffsetNs / 1e6:0.000} ms, rig file {truthMs} ms");
            Assert.Equal(12, s.EventsUsed + s.EventsRejected - (device.Kind == "lidar" ? 12 : 0)); // the LIDAR times both edges of each step
        }

        // the session keeps its stimuli as markers: calibrating it again finds the same references and the same offsets
        var calibration = new Api.V1.Calibration.CalibrationClient(rig.Channel);
        var sessions = new Sessions.SessionsClient(rig.Channel);
        var recorded = await sessions.GetSessionAsync(new GetSessionRequest { SessionId = report.SessionId });
        Assert.Equal(12, recorded.Markers.Count(m => m.Label.StartsWith("stimulus ", StringComparison.Ordinal)));
        var again = await calibration.RunStimulusAsync(new RunStimulusRequest { SessionId = report.SessionId, SaveAs = "lab-bench" });
        Assert.Contains("markers", again.References);
        Assert.Equal(report.Streams.Select(s => s.OffsetNs), again.Streams.Select(s => s.OffsetNs));
        Assert.Equal(2, again.Saved.Version);
        var history = await calibration.GetProfileAsync(new GetProfileRequest { Name = "lab-bench", Version = 1 });
        Assert.Equal([1, 2], history.History.Select(h => h.Version));
        Assert.Contains("lab-bench", (await calibration.ListProfilesAsync(new ListProfilesRequest())).Profiles.Select(p => p.Name));
        var missing = await Assert.ThrowsAsync<RpcException>(() => calibration.GetProfileAsync(new GetProfileRequest { Name = "nope" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);

        await ExportAppliesProfile(rig, report.SessionId, history.Profile);
    }

    [Fact]
    public async Task LiveStimulusRun_TooFewStimuli_EveryStreamFailsNamingTheCount_NothingSaved()
    {
        await using var rig = await CalibrationRig.StartAsync("calib-few");
        var calibration = new Api.V1.Calibration.CalibrationClient(rig.Channel);

        var report = await calibration.RunStimulusAsync(new RunStimulusRequest { Count = 2, SaveAs = "never" });

        Assert.False(report.Passed);
        Assert.All(report.Streams, s => Assert.False(s.Passed));
        Assert.Contains(report.Streams, s => s.FailedBecause == "mic0: only 2 of 2 stimuli detected and consistent (need 5)");
        Assert.Contains(report.Streams, s => s.FailedBecause == "imu0: only 2 of 2 stimuli detected and consistent (need 5)");
        Assert.Contains(report.Streams, s => s.FailedBecause == "lidar0: only 4 of 4 range step edges detected and consistent (need 5)");
        Assert.StartsWith("not saving profile 'never' from a failed run", report.NotSavedBecause);
        Assert.Null(report.Saved);
        Assert.DoesNotContain("never", (await calibration.ListProfilesAsync(new ListProfilesRequest())).Profiles.Select(p => p.Name));
        var busy = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await new Api.V1.Rig.RigClient(rig.Channel).StartRecordingAsync(new StartRecordingRequest { Name = "in the way" });
            await calibration.RunStimulusAsync(new RunStimulusRequest { Count = 5 });
        });
        Assert.Equal(StatusCode.FailedPrecondition, busy.StatusCode);
    }

    [Fact]
    public async Task LiveMotionRun_RelativeToGyro_ThenAbsoluteWithTheRigsGyroProfile()
    {
        await using var rig = await CalibrationRig.StartAsync("calib-motion");
        var calibration = new Api.V1.Calibration.CalibrationClient(rig.Channel);
        var profile = RigProfile.Load(RigFile);
        double Latency(string id) => profile.Devices.Single(d => d.Id == id).Clock.LatencyMs;

        // no profile yet: offsets relative to the gyro (cameras to the middle of their 10 ms exposure), and nothing to save
        var relative = await calibration.RunMotionAsync(new RunMotionRequest { Seconds = 8, SaveAs = "turntable" });
        output.WriteLine(relative.ToString());
        Assert.Equal("imu0", relative.RelativeTo);
        Assert.Contains("relative to imu0", relative.NotSavedBecause);
        foreach (var id in new[] { "cam0", "cam1" })
        {
            var s = relative.Streams.Single(x => x.Stream == id);
            Assert.True(s.Passed, s.FailedBecause);
            Assert.InRange(s.OffsetNs / 1e6 - (Latency(id) + 5 - Latency("imu0")), -0.5, 0.5);
        }
        Assert.Contains(relative.Streams, s => s.Stream == "lidar0");

        // a stimulus run gives the gyro's own offset; the same motion session then reads absolute and is saved
        var stimulus = await calibration.RunStimulusAsync(new RunStimulusRequest { Count = 12, SaveAs = "bench" });
        Assert.True(stimulus.Passed, string.Join("; ", stimulus.Streams.Select(s => s.FailedBecause)));
        var absolute = await calibration.RunMotionAsync(new RunMotionRequest { SessionId = relative.SessionId, SaveAs = "turntable" });
        output.WriteLine(absolute.ToString());
        Assert.Equal("", absolute.RelativeTo);
        Assert.Contains("bench@1", absolute.References);
        double gyroError = Math.Abs(stimulus.Streams.Single(s => s.Stream == "imu0").OffsetNs / 1e6 - Latency("imu0"));
        foreach (var id in new[] { "cam0", "cam1" })
            Assert.InRange(absolute.Streams.Single(x => x.Stream == id).OffsetNs / 1e6 - (Latency(id) + 10), -0.5 - gyroError, 0.5 + gyroError);
        Assert.True(absolute.Passed == (absolute.Saved is not null), absolute.NotSavedBecause);
    }

    private async Task ExportAppliesProfile(CalibrationRig rig, string sessionId, ProfileInfo profile)
    {
        // the same session exported plain and with lab-bench v1: every cam0 log_time moves earlier by the profile's offset
        var env = Paths.CliEnv(rig.Url, rig.Data);
        string plain = Path.Combine(rig.Dir, "plain.mcap"), calibrated = Path.Combine(rig.Dir, "calibrated.mcap");
        var a = await ProcessRunner.RunAsync("dotnet", [CliDll, "export", sessionId, "--out", plain, "--streams", "cam0"], TimeSpan.FromSeconds(120), env);
        Assert.True(a.ExitCode == 0, a.Stderr);
        var b = await ProcessRunner.RunAsync("dotnet", [CliDll, "export", sessionId, "--out", calibrated, "--streams", "cam0", "--calibration", "lab-bench@1"], TimeSpan.FromSeconds(120), env);
        Assert.True(b.ExitCode == 0, b.Stderr);
        var before = Read(plain);
        var after = Read(calibrated);
        Assert.Equal(before.Count, after.Count);
        long expected = (long)Math.Round(profile.Streams.Single(s => s.Stream == "cam0").OffsetNs);
        Assert.All(before.Zip(after), p => Assert.Equal(expected, (long)(p.First - p.Second)));

        // applying a profile to the old session: exports default to it, "none" gives raw rig time, stored bytes unchanged
        var sessions = new Sessions.SessionsClient(rig.Channel);
        string hashBefore = await SessionHashOf(sessions, sessionId);
        var applied = await ProcessRunner.RunAsync("dotnet", [CliDll, "calibrate", "apply", "lab-bench@1", "--session", sessionId], TimeSpan.FromSeconds(120), env);
        Assert.True(applied.ExitCode == 0, applied.Stderr);
        Assert.Equal("lab-bench@1", (await sessions.GetSessionAsync(new GetSessionRequest { SessionId = sessionId })).Calibration);
        string byDefault = Path.Combine(rig.Dir, "default.mcap"), raw = Path.Combine(rig.Dir, "raw.mcap");
        Assert.Equal(0, (await ProcessRunner.RunAsync("dotnet", [CliDll, "export", sessionId, "--out", byDefault, "--streams", "cam0"], TimeSpan.FromSeconds(120), env)).ExitCode);
        Assert.Equal(after, Read(byDefault));
        Assert.Equal(0, (await ProcessRunner.RunAsync("dotnet", [CliDll, "export", sessionId, "--out", raw, "--streams", "cam0", "--calibration", "none"], TimeSpan.FromSeconds(120), env)).ExitCode);
        Assert.Equal(before, Read(raw));
        Assert.Equal(hashBefore, await SessionHashOf(sessions, sessionId));
        await DatasetByIdAppliesWhatTheRigWould(env, rig.Dir, sessionId, "lab-bench@1", after);
        using (var mcap = File.OpenRead(calibrated))
        {
            var attachment = new McapReader(mcap).ReadRecords().OfType<Attachment>().Single(a => a.Name.StartsWith("calibration/", StringComparison.Ordinal));
            Assert.Equal("calibration/lab-bench@1.json", attachment.Name);
        }

        // a session recorded now starts with the rig's latest profile
        var rigClient = new Api.V1.Rig.RigClient(rig.Channel);
        var next = await rigClient.StartRecordingAsync(new StartRecordingRequest { Name = "after calibration" });
        await rigClient.StopRecordingAsync(new StopRecordingRequest());
        Assert.Equal("lab-bench@2", next.Calibration);
    }

    /// <summary>
    /// A dataset exported by session id (the CLI pulls, then aligns offline) applies the session's recorded profile as the rig's
    /// MCAP export does (cam0 time_ns = the calibrated MCAP's log times) and metadata.json names it; --calibration none overrides.
    /// </summary>
    private static async Task DatasetByIdAppliesWhatTheRigWould(Dictionary<string, string> env, string dir, string sessionId, string recorded, List<ulong> calibratedLogTimes)
    {
        string byDefault = Path.Combine(dir, "dataset-default"), none = Path.Combine(dir, "dataset-none");
        var a = await ProcessRunner.RunAsync("dotnet", [CliDll, "export", sessionId, "--format", "dataset", "--out", byDefault, "--streams", "cam0"], TimeSpan.FromSeconds(180), env);
        Assert.True(a.ExitCode == 0, a.Stderr);
        var metadata = Export.Dataset.DatasetMetadata.Load(byDefault);
        Assert.True(metadata.Calibration.Applied);
        Assert.Equal($"{recorded} (the session's recorded profile)", metadata.Calibration.Source);
        Assert.True(metadata.Calibration.FixedLatencyNs["cam0"] > 0);
        var timeNs = await DatasetTests.ReadAsync<long>(Path.Combine(byDefault, "streams", "cam0.parquet"), "time_ns");
        var rigNs = await DatasetTests.ReadAsync<long>(Path.Combine(byDefault, "streams", "cam0.parquet"), "rig_ns");
        Assert.Equal(calibratedLogTimes.Select(t => (long)t), timeNs);
        Assert.All(rigNs.Zip(timeNs), p => Assert.Equal(metadata.Calibration.FixedLatencyNs["cam0"], p.First - p.Second));

        var b = await ProcessRunner.RunAsync("dotnet", [CliDll, "export", sessionId, "--format", "dataset", "--out", none, "--streams", "cam0", "--calibration", "none"],
            TimeSpan.FromSeconds(180), env);
        Assert.True(b.ExitCode == 0, b.Stderr);
        var raw = Export.Dataset.DatasetMetadata.Load(none);
        Assert.False(raw.Calibration.Applied);
        Assert.Equal("none (--calibration none)", raw.Calibration.Source);
        Assert.Equal(rigNs, await DatasetTests.ReadAsync<long>(Path.Combine(none, "streams", "cam0.parquet"), "time_ns"));
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

    /// <summary>The in-process service on loopback with the calibration rig file, its data in a temp dir.</summary>
    private sealed class CalibrationRig : IAsyncDisposable
    {
        private WebApplication _app = null!;
        public string Dir { get; } = "";
        public string Data => Path.Combine(Dir, "data");
        public string Url { get; private set; } = "";
        public Grpc.Net.Client.GrpcChannel Channel { get; private set; } = null!;

        private CalibrationRig(string dir) => Dir = dir;

        public static async Task<CalibrationRig> StartAsync(string tag)
        {
            var rig = new CalibrationRig(Paths.TempDir(tag));
            rig._app = EdgeRigHost.Build(["--urls", "http://127.0.0.1:0", "--data-dir", rig.Data, "--rig", RigFile, "--Logging:LogLevel:Default=Warning"]);
            await rig._app.StartAsync();
            rig.Url = rig._app.Urls.Single();
            rig.Channel = Paths.AuthedChannel(rig.Url, rig.Data);
            return rig;
        }

        public async ValueTask DisposeAsync()
        {
            Channel.Dispose();
            await _app.StopAsync();
            await _app.DisposeAsync();
            Directory.Delete(Dir, recursive: true);
        }
    }
}
