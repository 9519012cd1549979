using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeRig.Api.V1;
using EdgeRig.Cli;
using Grpc.Core;

namespace EdgeRig.IntegrationTests;

/// <summary>
/// The QA report through the real service: a rig whose simulated twins inject one fault per modality (a frozen camera,
/// clipped audio, a 2 s IMU gap, a LIDAR returning zeros) gets each fault reported with its time and failed, and the
/// session then leaves the rig only with --force; a clean recording passes.
/// </summary>
public sealed class QaTests
{
    private static JsonObject Device(JsonObject rig, string id) => rig["devices"]!.AsArray().Select(d => d!.AsObject()).Single(d => (string?)d["id"] == id);

    private static void Fault(JsonObject rig, string device, string kind, double at, double seconds) =>
        Device(rig, device)["faults"] = new JsonArray(new JsonObject { ["kind"] = kind, ["atSeconds"] = at, ["durationSeconds"] = seconds });

    private static DateTimeOffset Time(JsonElement e) => DateTimeOffset.Parse(e.GetString()!, CultureInfo.InvariantCulture);

    [Fact]
    public async Task InjectedFaults_EachReportedWithItsTimeAndFailed_PullNeedsForce()
    {
        await using var rig = await EditedRig.StartAsync(r =>
        {
            Fault(r, "cam0", "freeze", 3, 2);
            Fault(r, "mic0", "clip", 5.5, 1);
            Fault(r, "imu0", "gap", 6.5, 2);
            Fault(r, "lidar0", "zeros", 8.5, 1.5);
        });
        using var channel = Paths.AuthedChannel(rig.Url, rig.Dir);
        var control = new Api.V1.Rig.RigClient(channel);
        var session = await control.StartRecordingAsync(new StartRecordingRequest { Name = "faults" });
        await Task.Delay(TimeSpan.FromSeconds(11.5));
        var live = await control.GetStatusAsync(new GetStatusRequest());
        Assert.Equal(Verdict.Fail, live.Qa.Verdict); // technicians see it while recording
        await control.StopRecordingAsync(new StopRecordingRequest());

        var cli = await ProcessRunner.RunAsync("dotnet", [Paths.CliDll, "qa", session.Id, "--json"], TimeSpan.FromSeconds(60), Paths.CliEnv(rig.Url, rig.Dir));
        Assert.True(cli.Stdout.Length > 0, cli.Stderr);
        using var report = JsonDocument.Parse(cli.Stdout);
        var root = report.RootElement;
        Assert.Equal("fail", root.GetProperty("verdict").GetString());
        Assert.True(root.GetProperty("final").GetBoolean());
        var findings = root.GetProperty("findings").EnumerateArray().ToList();

        void Expect(string stream, string check, double seconds, double slack)
        {
            var f = findings.FirstOrDefault(x => x.GetProperty("stream").GetString() == stream && x.GetProperty("check").GetString() == check
                && x.GetProperty("verdict").GetString() == "fail");
            Assert.True(f.ValueKind == JsonValueKind.Object, $"no failing {stream} {check} finding in: {string.Join(" | ", findings.Select(x => x.GetProperty("message").GetString()))}");
            double length = (Time(f.GetProperty("to")) - Time(f.GetProperty("from"))).TotalSeconds;
            Assert.True(Math.Abs(length - seconds) <= slack, $"{stream} {check}: {length:0.###} s, injected {seconds} s ({f.GetProperty("message").GetString()})");
        }
        Expect("cam0", "frozen", 2, 0.1);
        Expect("mic0", "clipping", 1, 0.1);
        Expect("imu0", "gaps", 2, 0.05);
        Expect("lidar0", "blind", 1.5, 0.25);
        // the stream without a fault is not failed (recording began at boot, so its sync may warn while the mapping settles)
        Assert.NotEqual("fail", root.GetProperty("streams").EnumerateArray().Single(s => s.GetProperty("stream").GetString() == "cam1").GetProperty("verdict").GetString());
        Assert.DoesNotContain(findings, f => f.GetProperty("stream").GetString() == "cam1" && f.GetProperty("check").GetString() is "frozen" or "black" or "gaps");

        // a failed session leaves the rig only when forced by the data or admin role
        var sessions = new Sessions.SessionsClient(channel);
        var refused = await Assert.ThrowsAsync<RpcException>(() => new SessionPuller(sessions).PullAsync(session.Id, Path.Combine(rig.Dir, "out"), null, CancellationToken.None));
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains("failed QA", refused.Status.Detail);
        var lab = (await new Admin.AdminClient(channel).CreateTokenAsync(new CreateTokenRequest { Name = "lab-qa", Role = "lab" })).Secret;
        using var labChannel = new RigConnection(rig.Url, lab, null, null).Open();
        var denied = await Assert.ThrowsAsync<RpcException>(() => new SessionPuller(new Sessions.SessionsClient(labChannel)) { Force = true }.PullAsync(session.Id, Path.Combine(rig.Dir, "lab"), null, CancellationToken.None));
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        var forced = await new SessionPuller(sessions) { Force = true }.PullAsync(session.Id, Path.Combine(rig.Dir, "out"), null, CancellationToken.None);
        Assert.True(File.Exists(Path.Combine(forced.Folder, "qa-report.json")));
    }

    [Fact]
    public async Task CleanRecording_Passes()
    {
        await using var rig = await EditedRig.StartAsync(_ => { });
        using var channel = Paths.AuthedChannel(rig.Url, rig.Dir);
        var control = new Api.V1.Rig.RigClient(channel);
        await Task.Delay(2000); // clock mappings settle first (their honest 50 ms start-up bound would warn)
        var session = await control.StartRecordingAsync(new StartRecordingRequest { Name = "clean" });
        await Task.Delay(4000);
        await control.StopRecordingAsync(new StopRecordingRequest());
        var qa = await new Sessions.SessionsClient(channel).GetQaReportAsync(new GetQaReportRequest { SessionId = session.Id });
        using var report = JsonDocument.Parse(qa.Json);
        var notPassed = report.RootElement.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("message").GetString()).ToList();
        Assert.True(qa.Verdict == Verdict.Pass, $"{qa.Verdict}: {string.Join(" | ", notPassed)}");
        Assert.Equal(Verdict.Pass, (await new Sessions.SessionsClient(channel).GetSessionAsync(new GetSessionRequest { SessionId = session.Id })).QaVerdict);

        // the CLI shows it by name, to people and to scripts
        var show = await ProcessRunner.RunAsync("dotnet", [Paths.CliDll, "show", session.Id, "--json"], TimeSpan.FromSeconds(60), Paths.CliEnv(rig.Url, rig.Dir));
        using (var shown = JsonDocument.Parse(show.Stdout))
            Assert.Equal("pass", shown.RootElement.GetProperty("qaVerdict").GetString());
        show = await ProcessRunner.RunAsync("dotnet", [Paths.CliDll, "show", session.Id], TimeSpan.FromSeconds(60), Paths.CliEnv(rig.Url, rig.Dir));
        Assert.Contains("QA pass", show.Stdout);
    }
}
