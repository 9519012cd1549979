using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using EdgeRig.Api.V1;
using EdgeRig.Service;
using EdgeRig.Service.Dashboard;
using EdgeRig.Service.Security;
using Microsoft.AspNetCore.Builder;

namespace EdgeRig.IntegrationTests;

/// <summary>The service with its dashboard on its own loopback HTTP/1.1 port (--dashboard-urls), shared by <see cref="DashboardTests"/>.</summary>
public sealed class DashboardServiceFixture : IAsyncLifetime
{
    public string DataDir { get; } = Paths.TempDir("dash");
    public WebApplication App { get; private set; } = null!;
    public string GrpcUrl { get; private set; } = "";
    public string DashboardUrl { get; private set; } = "";
    public Grpc.Net.Client.GrpcChannel Channel { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = EdgeRigHost.Build(["--urls", "http://127.0.0.1:0", "--dashboard-urls", "http://127.0.0.1:0", "--data-dir", DataDir,
            "--rig", Paths.QuietButtonRig(DataDir), "--Logging:LogLevel:Default=Warning"]);
        await App.StartAsync();
        using var http = new HttpClient();
        foreach (string url in App.Urls)
        {
            // the gRPC listener speaks HTTP/2 only; the dashboard's answers HTTP/1.1
            try { if ((await http.GetAsync(url + "/api/health")).IsSuccessStatusCode) DashboardUrl = url; else GrpcUrl = url; }
            catch (HttpRequestException) { GrpcUrl = url; }
        }
        Assert.NotEqual("", DashboardUrl);
        Channel = Paths.AuthedChannel(GrpcUrl, DataDir);
    }

    public async Task<string> CreateTokenAsync(string role) =>
        (await new Admin.AdminClient(Channel).CreateTokenAsync(new CreateTokenRequest { Name = $"{role}-{Guid.NewGuid():N}"[..20], Role = role })).Secret;

    public async Task DisposeAsync()
    {
        Channel.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        Directory.Delete(DataDir, recursive: true);
        File.Delete(Paths.QuietButtonRig(DataDir, write: false));
    }
}

/// <summary>The phone dashboard: end to end in headless Chromium, its token rules, and the /metrics scrape.</summary>
public sealed class DashboardTests(DashboardServiceFixture rig) : IClassFixture<DashboardServiceFixture>
{
    private HttpClient Client(string? token)
    {
        var client = new HttpClient { BaseAddress = new Uri(rig.DashboardUrl) };
        if (token is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    [Fact]
    public async Task Chromium_TechnicianRecordsMarksStops_SessionListedAuditedAndScreenshotSaved()
    {
        string token = await rig.CreateTokenAsync("technician");
        string screenshot = Path.Combine(Paths.RepoRoot, "artifacts", "dashboard.png");
        File.Delete(screenshot);
        var run = await ProcessRunner.RunAsync("node", [Path.Combine(Paths.RepoRoot, "tests", "node", "dashboard-e2e.mjs"), rig.DashboardUrl, token, screenshot], TimeSpan.FromMinutes(2));
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        Assert.True(new FileInfo(screenshot).Length > 20_000, "the screenshot is missing or blank");
        string sessionId = Regex.Match(run.Stdout, "\"sessionId\":\"([^\"]+)\"").Groups[1].Value;

        var session = await new Sessions.SessionsClient(rig.Channel).GetSessionAsync(new GetSessionRequest { SessionId = sessionId });
        Assert.Single(session.Markers);
        var audit = (await new Admin.AdminClient(rig.Channel).ListAuditAsync(new ListAuditRequest { SessionId = sessionId })).Entries;
        Assert.Contains(audit, e => e.Action == "record.start" && e.Succeeded && e.Detail == "via dashboard" && e.Who.StartsWith("technician-"));
        Assert.Contains(audit, e => e.Action == "record.stop" && e.Succeeded && e.Who.StartsWith("technician-"));
    }

    [Fact]
    public async Task Api_WithoutOrWithWrongToken_RefusedAndRolesEnforced()
    {
        using var anonymous = Client(null);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/api/health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/")).StatusCode);
        foreach (string path in new[] { "/api/status", "/api/sessions", "/api/preview", "/api/preview/camera/cam0", "/metrics" })
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(path)).StatusCode);
        using var forged = Client("not-a-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await forged.GetAsync("/api/status")).StatusCode);

        using var data = Client(await rig.CreateTokenAsync("data"));
        Assert.Equal(HttpStatusCode.OK, (await data.GetAsync("/api/status")).StatusCode);
        var refused = await data.PostAsync("/api/record/start", JsonContent.Create(new { name = "x" }));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("technician or admin", await refused.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Previews_CameraThumbnailIsSmallJpeg_LidarAudioImuDecoded()
    {
        using var client = Client(await rig.CreateTokenAsync("technician"));
        var thumbnail = await client.GetAsync("/api/preview/camera/cam0?width=160");
        Assert.Equal("image/jpeg", thumbnail.Content.Headers.ContentType?.MediaType);
        byte[] jpeg = await thumbnail.Content.ReadAsByteArrayAsync();
        using (var image = OpenCvSharp.Cv2.ImDecode(jpeg, OpenCvSharp.ImreadModes.Color))
            Assert.Equal((160, 90), (image.Cols, image.Rows));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/preview/camera/nope")).StatusCode);

        using var preview = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync("/api/preview"));
        var audio = preview.RootElement.GetProperty("audio")[0];
        Assert.All(audio.GetProperty("rmsDbfs").EnumerateArray(), v => Assert.InRange(v.GetDouble(), -119, 0));
        var lidar = preview.RootElement.GetProperty("lidar")[0];
        Assert.InRange(lidar.GetProperty("points").GetArrayLength(), 100, 720);
        Assert.InRange(lidar.GetProperty("maxRangeM").GetDouble(), 1, 10); // the simulated 6 × 4 m room
        float gravityZ = preview.RootElement.GetProperty("imu")[0].GetProperty("accelMs2")[2].GetSingle();
        Assert.InRange(Math.Abs(gravityZ), 8.8, 10.8);
    }

    [Fact]
    public async Task Metrics_ScrapedWithToken_PrometheusTextWithPerStreamRates()
    {
        using var client = Client(await rig.CreateTokenAsync("data"));
        var response = await client.GetAsync("/metrics");
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        string text = await response.Content.ReadAsStringAsync();
        var sample = new Regex(@"^[a-z_]+(\{([a-z_]+=""[^""]*"",?)+\})? -?[0-9.eE+-]+$|^# (HELP|TYPE) [a-z_]+ .+$");
        Assert.All(text.TrimEnd('\n').Split('\n'), line => Assert.Matches(sample, line));
        double camRate = double.Parse(Regex.Match(text, @"^edgerig_stream_rate_hz\{stream=""cam0""[^}]*\} (\S+)$", RegexOptions.Multiline).Groups[1].Value,
            System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(camRate, 25, 35);
        Assert.Matches(@"(?m)^edgerig_disk_free_bytes [1-9]", text);
        Assert.Matches(@"(?m)^edgerig_recording [01]$", text);
        Assert.Contains("edgerig_stream_dropped{stream=\"imu0\"", text);
    }

    [Fact]
    public void DashboardListen_DefaultsFollowTheMainListener_PlaintextOnlyOnLoopback()
    {
        Assert.Empty(DashboardSetup.Plan(null, ListenPlan.Parse("https://0.0.0.0:50051")));
        Assert.Equal(8080, Assert.Single(DashboardSetup.Plan(null, ListenPlan.Parse(EdgeRigHost.DefaultUrl))).Port);
        Assert.Empty(DashboardSetup.Plan(null, ListenPlan.Parse("http://127.0.0.1:0"))); // other loopback ports: ask with --dashboard-urls
        Assert.Empty(DashboardSetup.Plan("none", ListenPlan.Parse("http://127.0.0.1:50051")));
        Assert.Throws<UnsafeListenException>(() => DashboardSetup.Plan("http://0.0.0.0:8080", ListenPlan.Parse("https://0.0.0.0:50051")));
        Assert.True(Assert.Single(DashboardSetup.Plan("https://0.0.0.0:8443", ListenPlan.Parse("https://0.0.0.0:50051"))).Tls);
    }
}
