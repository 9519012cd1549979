using System.Runtime.InteropServices;
using EdgeRig.Api.V1;

namespace EdgeRig.IntegrationTests;

/// <summary>
/// The service as a process on a machine where one optional native library is missing: each test runs it in a private mount
/// namespace (unshare -m) with /dev/null bound over the library file, so the loader fails exactly as on a board without it,
/// while this machine is untouched.
/// </summary>
public sealed class NativeLibraryTests
{
    private static string Rid => RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";

    private static string OpenCvFile => Path.Combine(Path.GetDirectoryName(Paths.ServiceDll)!, "runtimes", Rid, "native", "libOpenCvSharpExtern.so");

    /// <summary>The libturbojpeg file this machine's loader resolves (the probe maps it and names it).</summary>
    private static string TurboJpegFile
    {
        get
        {
            var state = EdgeRig.Imaging.JpegCodec.Probe();
            Assert.True(state.Found, "libturbojpeg must be installed on the test machine (scripts/setup installs libturbojpeg0)");
            return state.Detail;
        }
    }

    private static string[] Hidden(string library, IEnumerable<string> serviceArgs) =>
        ["-m", "sh", "-c", "mount --bind /dev/null \"$0\" && exec dotnet \"$@\"", library, Paths.ServiceDll, .. serviceArgs];

    /// <summary>A channel to the service once it answers and every stream that can run is live.</summary>
    private static async Task<Grpc.Net.Client.GrpcChannel> ConnectAsync(string url, string dir)
    {
        var channel = Paths.AuthedChannel(url, dir);
        await ProcessTests.WaitUntilServing(new Rig.RigClient(channel));
        await RigServiceFixture.WaitForSyncAsync(channel);
        return channel;
    }

    private static string WriteRig(string dir, string privacy)
    {
        string rigFile = Path.Combine(dir, "rig.json");
        File.WriteAllText(rigFile, File.ReadAllText(Paths.QuietButtonRig(dir)).Replace("\"devices\": [", $"\"privacy\": {privacy},\n  \"devices\": ["));
        return rigFile;
    }

    [Fact]
    public async Task WithoutOpenCv_RigRecords_FeaturesSayUnavailable_ExportAndMotionFailNamingTheLibrary()
    {
        Assert.True(File.Exists(OpenCvFile), OpenCvFile);
        string dir = Paths.TempDir("no-opencv");
        string url = $"http://127.0.0.1:{ProcessTests.FreePort()}";
        string rigFile = WriteRig(dir, "{ \"redaction\": \"export\", \"rawAccessRoles\": [] }");
        using var service = ProcessRunner.Start("unshare", Hidden(OpenCvFile, ["--rig", rigFile, "--data-dir", dir, "--urls", url, "--dashboard-urls", "none"]));
        try
        {
            using var channel = await ConnectAsync(url, dir);
            var rig = new Rig.RigClient(channel);

            var status = await rig.GetStatusAsync(new GetStatusRequest());
            var openCv = Assert.Single(status.NativeLibraries, l => l.Library == "OpenCvSharpExtern");
            var jpeg = Assert.Single(status.NativeLibraries, l => l.Library == "libturbojpeg.so.0");
            Assert.True(jpeg.Found, jpeg.Detail);
            var faces = Assert.Single(status.Features, f => f.Name == "face redaction");
            Assert.False(faces.Available);
            Assert.StartsWith("unavailable: OpenCvSharpExtern not found (", faces.Detail);
            Assert.All(status.Streams, s => Assert.True(s.Live, $"{s.Stream.Id} is stale: {s.Fault}"));
            Assert.False(openCv.Found, openCv.Detail); // the file is there (empty): the face detector's failed load is what counts

            // doctor names the missing library and what it disables; every stream, cameras included, passes
            var doctor = await ProcessRunner.RunAsync("dotnet", [Paths.CliDll, "doctor"], TimeSpan.FromSeconds(60), Paths.CliEnv(url, dir));
            string[] lines = doctor.Stdout.TrimEnd().Split('\n');
            Assert.Contains(lines, l => l.StartsWith("WARN  library OpenCvSharpExtern") && l.Contains("missing: needed for face redaction"));
            Assert.Contains(lines, l => l.StartsWith("WARN  feature face redaction") && l.Contains("unavailable: OpenCvSharpExtern not found"));
            Assert.Contains(lines, l => l.StartsWith("PASS  stream cam0"));
            Assert.Contains(lines, l => l.StartsWith("PASS  stream cam1"));
            Assert.Contains(lines, l => l.StartsWith("PASS  library libzstd") && l.Contains("libzstd 1.5.7 (native)")); // the bundled one, not Debian's

            var session = await rig.StartRecordingAsync(new StartRecordingRequest { Name = "no-opencv" });
            await Task.Delay(2000);
            await rig.StopRecordingAsync(new StopRecordingRequest());
            var sessions = new Sessions.SessionsClient(channel);
            var shown = await sessions.GetSessionAsync(new GetSessionRequest { SessionId = session.Id });
            Assert.Contains(shown.Streams, s => s.Modality == "camera");
            Assert.All(shown.Streams.Where(s => s.NominalRateHz > 0), s => Assert.True(shown.Counts[s.Id].Recorded > 0, $"{s.Id} recorded nothing"));

            // camera frames must be redacted to leave (no raw role): without the detector, the export refuses and says why
            var export = sessions.ExportSession(new ExportSessionRequest { SessionId = session.Id, Format = "mcap", Force = true });
            var refused = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () => { while (await export.ResponseStream.MoveNext(default)) { } });
            Assert.Equal(Grpc.Core.StatusCode.FailedPrecondition, refused.StatusCode);
            Assert.Contains("must be redacted to leave the rig, and face redaction is unavailable: OpenCvSharpExtern not found (", refused.Status.Detail);

            // motion calibration needs optical flow: FAILED_PRECONDITION naming the library, and the service stays up
            var calibration = new Api.V1.Calibration.CalibrationClient(channel);
            var motion = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => calibration.RunMotionAsync(new RunMotionRequest { SessionId = session.Id }).ResponseAsync);
            Assert.Equal(Grpc.Core.StatusCode.FailedPrecondition, motion.StatusCode);
            Assert.Contains("OpenCvSharpExtern not found", motion.Status.Detail);
            Assert.True((await rig.GetStatusAsync(new GetStatusRequest())).Streams.All(s => s.Live));
            Assert.False(service.HasExited);
        }
        finally
        {
            service.Kill();
            await service.WaitForExitAsync();
            Directory.Delete(dir, recursive: true);
            File.Delete(Paths.QuietButtonRig(dir, write: false));
        }
    }

    [Fact]
    public async Task WithoutOpenCv_CaptureRedactionRig_RefusesToStartInOneLine()
    {
        string dir = Paths.TempDir("no-opencv-capture");
        try
        {
            string rigFile = WriteRig(dir, "{ \"redaction\": \"capture\" }");
            var r = await ProcessRunner.RunAsync("unshare", Hidden(OpenCvFile, ["--rig", rigFile, "--data-dir", dir, "--urls", "http://127.0.0.1:0", "--dashboard-urls", "none"]),
                TimeSpan.FromSeconds(90));
            Assert.Equal(2, r.ExitCode);
            string line = Assert.Single(r.Stderr.Trim().Split('\n'));
            Assert.Contains("privacy.redaction", line);
            Assert.Contains("unavailable: OpenCvSharpExtern not found", line);
            Assert.DoesNotContain("Now listening", r.Stdout);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
            File.Delete(Paths.QuietButtonRig(dir, write: false));
        }
    }

    [Fact]
    public async Task WithoutTurboJpeg_CamerasStaleWithTheReason_EveryOtherStreamRecords()
    {
        string dir = Paths.TempDir("no-turbojpeg");
        string url = $"http://127.0.0.1:{ProcessTests.FreePort()}";
        using var service = ProcessRunner.Start("unshare", Hidden(TurboJpegFile, ["--rig", Paths.QuietButtonRig(dir), "--data-dir", dir, "--urls", url, "--dashboard-urls", "none"]));
        try
        {
            using var channel = await ConnectAsync(url, dir);
            var rig = new Rig.RigClient(channel);
            var status = await rig.GetStatusAsync(new GetStatusRequest());
            var cameras = status.Streams.Where(s => s.Stream.Modality == "camera").ToList();
            Assert.NotEmpty(cameras);
            Assert.All(cameras, c =>
            {
                Assert.False(c.Live);
                Assert.EndsWith("unavailable: libturbojpeg.so.0 not found (apt install libturbojpeg0)", c.Fault);
            });
            Assert.All(status.Streams.Where(s => s.Stream.Modality != "camera" && s.Stream.NominalRateHz > 0), s => Assert.True(s.Live, s.Stream.Id));
            Assert.False(Assert.Single(status.NativeLibraries, l => l.Library == "libturbojpeg.so.0").Found);

            // doctor names the missing library, what it disables and how to get it
            var doctor = await ProcessRunner.RunAsync("dotnet", [Paths.CliDll, "doctor"], TimeSpan.FromSeconds(60), Paths.CliEnv(url, dir));
            string[] lines = doctor.Stdout.TrimEnd().Split('\n');
            Assert.Contains(lines, l => l.StartsWith("WARN  library libturbojpeg.so.0") && l.Contains("missing: needed for JPEG") && l.Contains("-> apt install libturbojpeg0"));
            Assert.Contains(lines, l => l.StartsWith("FAIL  stream cam0") && l.Contains("unavailable: libturbojpeg.so.0 not found"));
            Assert.Contains(lines, l => l.StartsWith("PASS  stream imu0"));

            var session = await rig.StartRecordingAsync(new StartRecordingRequest { Name = "no-jpeg" });
            await Task.Delay(1500);
            await rig.StopRecordingAsync(new StopRecordingRequest());
            var shown = await new Sessions.SessionsClient(channel).GetSessionAsync(new GetSessionRequest { SessionId = session.Id });
            Assert.Contains(shown.Streams, s => s.Modality == "imu" && shown.Counts[s.Id].Recorded > 0);
            Assert.Contains(shown.Streams, s => s.Modality == "audio" && shown.Counts[s.Id].Recorded > 0);
        }
        finally
        {
            service.Kill();
            await service.WaitForExitAsync();
            Directory.Delete(dir, recursive: true);
            File.Delete(Paths.QuietButtonRig(dir, write: false));
        }
    }
}
