using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeRig.Api.V1;
using EdgeRig.Cli;
using EdgeRig.Service;
using Grpc.Core;
using Xunit.Abstractions;

namespace EdgeRig.IntegrationTests;

/// <summary>
/// Spatial calibration through the service on hardware/rigs/sim-spatial.json (two cameras, a LIDAR and an IMU, and a board held
/// at 22 positions, then held still while the rig sways): a live run by the CLI passes the rig file's tolerances, finds the
/// lenses near the simulated truth, and is saved as a profile version that `calibrate show` returns with its spatial section;
/// applied to the session, its MCAP export carries the geometry (checked by the independent Node reader); the session pulled
/// carries the profile (calibration.json), and solved offline (`--from-folder`) gives the same result. The cameras run at 10 Hz here (20 in the
/// rig file): drawing the board through the lens at 20 Hz on two cameras needs more CPU than a loaded test machine has, and a
/// camera that falls behind leaves too few views of the sway phase for the IMU.
/// </summary>
public sealed class SpatialCalibrationTests(ITestOutputHelper output)
{
    private static string CliDll => File.Exists(Path.Combine(AppContext.BaseDirectory, "edgerig.dll")) ? Path.Combine(AppContext.BaseDirectory, "edgerig.dll") : Paths.CliDll;

    [Fact]
    public async Task LiveSpatialRun_ByCli_PassesAndSaves_ShowHasTheSpatialSection_TechnicianDenied()
    {
        string dir = Paths.TempDir("spatial"), data = Path.Combine(dir, "data"), rigFile = Path.Combine(dir, "sim-spatial-10hz.json");
        var json = JsonNode.Parse(File.ReadAllText(Paths.Rig("sim-spatial.json")), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!;
        foreach (var device in json["devices"]!.AsArray().Where(d => (string?)d!["kind"] == "camera")) device!["rateHz"] = 10;
        File.WriteAllText(rigFile, json.ToJsonString());
        var app = EdgeRigHost.Build(["--urls", "http://127.0.0.1:0", "--data-dir", data, "--rig", rigFile, "--Logging:LogLevel:Default=Warning"]);
        await app.StartAsync();
        try
        {
            string url = app.Urls.Single();
            using var admin = Paths.AuthedChannel(url, data);
            var token = await new Admin.AdminClient(admin).CreateTokenAsync(new CreateTokenRequest { Name = "tech-spatial", Role = "technician" });
            using var technician = new RigConnection(url, token.Secret, null, null).Open();
            var denied = await Assert.ThrowsAsync<RpcException>(async () =>
                await new Api.V1.Calibration.CalibrationClient(technician).RunSpatialAsync(new RunSpatialRequest { SaveAs = "not-theirs" }));
            Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);

            var env = Paths.CliEnv(url, data);
            var run = await ProcessRunner.RunAsync("dotnet", [CliDll, "calibrate", "spatial", "--save-as", "lab-spatial", "--note", "it", "--json"], TimeSpan.FromSeconds(400), env);
            output.WriteLine(run.Stdout);
            Assert.True(run.Stdout.TrimStart().StartsWith('{'), $"exit {run.ExitCode}: {run.Stderr}");
            var report = SpatialCalibrationReport.Parser.ParseJson(run.Stdout);
            Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Stderr} {string.Join("; ", report.Failures)} {report.NotSavedBecause}");
            Assert.True(report.Passed);
            Assert.Equal(["cam0", "cam1"], report.Result.Cameras.Select(c => c.Stream));
            Assert.Equal(["cam0", "cam1", "imu0", "lidar0"], report.Result.Frames.Select(f => f.Stream).Order());
            // the rig file's true lenses (sim-spatial.json devices[].intrinsics): within 1 % and 2 px
            var cam0 = report.Result.Cameras[0];
            Assert.InRange(cam0.Intrinsics.Fx, 560 * 0.99, 560 * 1.01);
            Assert.InRange(cam0.Intrinsics.Cx, 322.5 - 2, 322.5 + 2);
            Assert.Equal(9, cam0.StandardDeviations.Count);
            Assert.All(cam0.StandardDeviations, s => Assert.True(s > 0 && s < 5, $"σ {s}"));
            Assert.InRange(cam0.ReprojectionRmsPx, 0, report.Tolerances.MaxReprojectionRmsPx);
            Assert.Equal(("lab-spatial", 1, 0), (report.Saved.Name, report.Saved.Version, report.Saved.Streams.Count));

            var show = await ProcessRunner.RunAsync("dotnet", [CliDll, "calibrate", "show", "lab-spatial", "--json"], TimeSpan.FromSeconds(60), env);
            Assert.True(show.ExitCode == 0, show.Stderr);
            var profile = GetProfileResponse.Parser.ParseJson(show.Stdout).Profile;
            Assert.Equal(report.Result, profile.Spatial);
            Assert.Contains("\"spatial\"", profile.Json);

            // the session read with the profile: its MCAP export carries the solved geometry, which the independent reader decodes
            var apply = await ProcessRunner.RunAsync("dotnet", [CliDll, "calibrate", "apply", "lab-spatial@1", "--session", report.SessionId], TimeSpan.FromSeconds(60), env);
            Assert.True(apply.ExitCode == 0, apply.Stderr);
            string mcap = Path.Combine(dir, "spatial.mcap");
            var export = await ProcessRunner.RunAsync("dotnet", [CliDll, "export", report.SessionId, "--out", mcap, "--force", "--streams", "cam0,lidar0,imu0"],
                TimeSpan.FromSeconds(300), env);
            Assert.True(export.ExitCode == 0, export.Stderr);
            var check = await ProcessRunner.RunAsync("node", [Path.Combine(Paths.RepoRoot, "tests", "node", "check-mcap.mjs"), mcap], TimeSpan.FromSeconds(120));
            Assert.True(check.ExitCode == 0, check.Stderr);
            var decoded = JsonDocument.Parse(check.Stdout).RootElement;
            Assert.Equal(0, decoded.GetProperty("decodeErrors").GetInt32());
            Assert.Equal(["cam0_optical", "imu0", "lidar0"], decoded.GetProperty("transforms").EnumerateArray().Select(t => t.GetProperty("child").GetString()).Order());
            Assert.All(decoded.GetProperty("transforms").EnumerateArray(), t => Assert.Equal("rig", t.GetProperty("parent").GetString()));
            var cameraInfo = decoded.GetProperty("cameraCalibrations").GetProperty("/cam0/calibration");
            Assert.Equal(cam0.Intrinsics.Fx, cameraInfo.GetProperty("K")[0].GetDouble());
            Assert.Equal(("cam0_optical", "plumb_bob"), (cameraInfo.GetProperty("frameId").GetString(), cameraInfo.GetProperty("distortionModel").GetString()));

            // offline: the pulled session, solved by the CLI with the service's solver, gives the same lenses and poses
            string pulled = Path.Combine(dir, "pulled"), profileFile = Path.Combine(dir, "spatial.json");
            var pull = await ProcessRunner.RunAsync("dotnet", [CliDll, "pull", report.SessionId, "--out", pulled, "--force"], TimeSpan.FromSeconds(120), env);
            Assert.True(pull.ExitCode == 0, pull.Stderr);
            var carried = Calibration.Profiles.CalibrationProfile.FromJson(File.ReadAllText(Path.Combine(pulled, report.SessionId, "calibration.json")));
            Assert.Equal(("lab-spatial", 1, 2), (carried.Name, carried.Version, carried.Spatial!.Cameras.Count));
            var offline = await ProcessRunner.RunAsync("dotnet", [CliDll, "calibrate", "spatial", "--from-folder", Path.Combine(pulled, report.SessionId), "--rig", rigFile,
                "--export", profileFile, "--json"], TimeSpan.FromSeconds(400), env);
            Assert.True(offline.ExitCode == 0, $"exit {offline.ExitCode}: {offline.Stderr} {offline.Stdout}");
            var offlineReport = SpatialCalibrationReport.Parser.ParseJson(offline.Stdout);
            Assert.Equal(report.Result, offlineReport.Result);
            Assert.Equal(report.SessionId, offlineReport.SessionId);
            Assert.Contains("\"spatial\"", File.ReadAllText(profileFile));
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(dir, recursive: true);
        }
    }
}
