using System.Text.Json;
using EdgeRig.Api.V1;
using EdgeRig.Cli.Commands;
using EdgeRig.Service;

namespace EdgeRig.IntegrationTests;

/// <summary>`edgerig doctor` against the fixture service and against a rig whose PTP and devices are absent; its line format.</summary>
public sealed class DoctorTests(RigServiceFixture rig) : IClassFixture<RigServiceFixture>
{
    [Fact]
    public async Task Doctor_SimulatedRig_PassesEveryDeviceAndWarnsPtpNotMonitored()
    {
        await Task.Delay(1500); // let every stream's rate settle
        var run = await ProcessRunner.RunAsync("dotnet", [Paths.CliDll, "doctor"], TimeSpan.FromSeconds(60), Paths.CliEnv(rig.Url, rig.DataDir));
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        string[] lines = run.Stdout.TrimEnd().Split('\n');
        Assert.StartsWith("PASS  service", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("PASS  versions"));
        Assert.Contains(lines, l => l.StartsWith("WARN  ptp") && l.Contains("-> set ptp.enabled"));
        foreach (var stream in new[] { "cam0", "cam1", "mic0", "lidar0", "imu0", "button0" })
            Assert.Contains(lines, l => l.StartsWith($"PASS  stream {stream}"));
        Assert.Contains(lines, l => l.StartsWith("PASS  clock"));
        Assert.Contains(lines, l => l.StartsWith("PASS  monotonic"));
        Assert.Contains(lines, l => l.StartsWith("PASS  disk") || l.StartsWith("WARN  disk"));
        Assert.Contains(lines, l => l.StartsWith("PASS  library libturbojpeg.so.0") && l.Contains("found: /"));

        var json = await ProcessRunner.RunAsync("dotnet", [Paths.CliDll, "doctor", "--json"], TimeSpan.FromSeconds(60), Paths.CliEnv(rig.Url, rig.DataDir));
        using var doc = JsonDocument.Parse(json.Stdout);
        Assert.Equal(lines.Length, doc.RootElement.GetArrayLength());
        Assert.All(doc.RootElement.EnumerateArray(), c => Assert.Contains(c.GetProperty("verdict").GetString(), new[] { "pass", "warn" }));
    }

    [Fact]
    public async Task Doctor_Ptp4lAbsentAndDevicesMissing_FailsWithClearLines()
    {
        // the Pi reference rig on this machine: no ptp4l socket, no cameras, UART, I2C or gpiochip
        string dir = Paths.TempDir("doctor-pi");
        var app = EdgeRigHost.Build(["--urls", "http://127.0.0.1:0", "--dashboard-urls", "none", "--data-dir", dir, "--rig", Paths.Rig("pi5-reference.json"), "--Logging:LogLevel:Default=Critical"]);
        await app.StartAsync();
        try
        {
            var run = await ProcessRunner.RunAsync("dotnet", [Paths.CliDll, "doctor"], TimeSpan.FromSeconds(60), Paths.CliEnv(app.Urls.Single(), dir));
            Assert.Equal(1, run.ExitCode);
            string[] lines = run.Stdout.TrimEnd().Split('\n');
            Assert.Contains(lines, l => l.StartsWith("FAIL  ptp") && l.Contains("unavailable") && l.Contains("-> start ptp4l"));
            Assert.Contains(lines, l => l.StartsWith("FAIL  stream cam0") && l.Contains("not delivering") && l.Contains("plugged in"));
            Assert.Contains(lines, l => l.StartsWith("FAIL  device cam0") && l.Contains("missing"));
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Format_OneLinePerCheck_RemedyOnlyWhenNotPassing()
    {
        Assert.Equal("PASS  ptp              locked: port SLAVE, offset 12 ns",
            DoctorCommand.Format(new DoctorCheck("ptp", DoctorVerdict.Pass, "locked: port SLAVE, offset 12 ns", "ignored")));
        Assert.Equal("FAIL  disk             1.0 GiB free  -> pull and delete sessions",
            DoctorCommand.Format(new DoctorCheck("disk", DoctorVerdict.Fail, "1.0 GiB free", "pull and delete sessions")));
        Assert.Equal("WARN  clock            2 s off  -> check NTP", DoctorCommand.Format(new DoctorCheck("clock", DoctorVerdict.Warn, "2 s off", "check NTP")));
    }

    [Theory]
    [InlineData(0.1, false, "PASS")]
    [InlineData(3, false, "WARN")]
    [InlineData(30, false, "FAIL")]
    [InlineData(0.1, true, "FAIL")]
    public void Evaluate_ClockSkewAndStaleStream_Verdicts(double skewSeconds, bool stale, string expectedWorst)
    {
        const long Now = 1_800_000_000_000_000_000;
        RigStatus Status(long rigNs, long monoNs) => new()
        {
            RigName = "t", Version = "1.0.0+a", RigTimeNs = rigNs, HostMonotonicNs = monoNs, DataFreeBytes = 100L << 30, DataDir = "/d",
            Ptp = new PtpInfo { Enabled = true, Available = true, Locked = true, PortState = "SLAVE", MasterOffsetNs = 5 },
            Streams = { new Api.V1.StreamStatus { Stream = new StreamInfo { Id = "cam0", NominalRateHz = 30, DeviceId = "cam0", Modality = "camera" }, Live = !stale, RateHz = stale ? 0 : 30 } },
        };
        long skew = (long)(skewSeconds * 1e9);
        var checks = DoctorCommand.Evaluate(new DoctorEvidence(Status(Now + skew, 1_000_000_000), Status(Now + skew + 1_000_000_000, 2_000_000_000), Now, [], "SERVING", "1.0.0+b"));
        string worst = checks.Max(c => c.Verdict).ToString().ToUpperInvariant();
        Assert.Equal(expectedWorst, worst);
        Assert.Equal(stale ? DoctorVerdict.Fail : DoctorVerdict.Pass, checks.Single(c => c.Name == "stream cam0").Verdict);
    }
}
