using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeRig.Api.V1;
using EdgeRig.Cli;
using EdgeRig.Service;

namespace EdgeRig.IntegrationTests;

/// <summary>TLS by default beyond loopback: a self-signed certificate made on first start, pinned by its fingerprint.</summary>
public sealed class TlsTests
{
    [Fact]
    public async Task Https_CertificateMadeOnFirstStart_PinnedByFingerprint_WrongPinRefused()
    {
        string dir = Paths.TempDir("tls");
        try
        {
            string fingerprint;
            var app = EdgeRigHost.Build(["--urls", "https://127.0.0.1:0", "--data-dir", dir, "--rig", Paths.Rig("sim-default.json"), "--Logging:LogLevel:Default=Warning"]);
            await app.StartAsync();
            try
            {
                string url = app.Urls.Single();
                Assert.StartsWith("https://", url);
                string pfx = Path.Combine(dir, "tls", "rig.pfx");
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(pfx));
                using (var cert = X509CertificateLoader.LoadPkcs12FromFile(pfx, null))
                    fingerprint = Convert.ToHexStringLower(SHA256.HashData(cert.RawData));
                string token = File.ReadAllText(Paths.AdminTokenFile(dir)).Trim();

                using (var pinned = new RigConnection(url, token, fingerprint, null).Open())
                {
                    var status = await new Rig.RigClient(pinned).GetStatusAsync(new GetStatusRequest());
                    Assert.Equal(fingerprint, status.TlsFingerprintSha256);
                    Assert.Equal("tls", status.Transport);
                }

                var env = new Dictionary<string, string> { ["EDGERIG_TOKEN"] = token, ["EDGERIG_CONFIG"] = Path.Combine(dir, "no-login.json") };
                var wrong = await ProcessRunner.RunAsync("dotnet", [Paths.CliDll, "status", "--url", url, "--fingerprint", new string('0', 64)], TimeSpan.FromSeconds(60), env);
                Assert.Equal(3, wrong.ExitCode);
                Assert.Contains("did not present a certificate this client trusts", wrong.Stderr);
                var unpinned = await ProcessRunner.RunAsync("dotnet", [Paths.CliDll, "status", "--url", url], TimeSpan.FromSeconds(60), env);
                Assert.Equal(3, unpinned.ExitCode);
                var right = await ProcessRunner.RunAsync("dotnet", [Paths.CliDll, "status", "--json", "--url", url, "--fingerprint", fingerprint.ToUpperInvariant()], TimeSpan.FromSeconds(60), env);
                Assert.True(right.ExitCode == 0, right.Stderr);
            }
            finally
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }

            // the certificate survives restarts: the pin stays valid
            var again = EdgeRigHost.Build(["--urls", "https://127.0.0.1:0", "--data-dir", dir, "--rig", Paths.Rig("sim-default.json"), "--Logging:LogLevel:Default=Warning"]);
            await again.StartAsync();
            try
            {
                using var pinned = new RigConnection(again.Urls.Single(), File.ReadAllText(Paths.AdminTokenFile(dir)).Trim(), fingerprint, null).Open();
                Assert.Equal(fingerprint, (await new Rig.RigClient(pinned).GetStatusAsync(new GetStatusRequest())).TlsFingerprintSha256);
            }
            finally
            {
                await again.StopAsync();
                await again.DisposeAsync();
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task PlaintextBeyondLoopback_ServiceRefusesToStart()
    {
        string dir = Paths.TempDir("plain");
        try
        {
            var r = await ProcessRunner.RunAsync("dotnet", [Paths.ServiceDll, "--rig", Paths.Rig("sim-default.json"), "--data-dir", dir, "--urls", "http://0.0.0.0:0"], TimeSpan.FromSeconds(60));
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("beyond loopback without TLS", r.Stderr);
            Assert.Contains("https://0.0.0.0:0", r.Stderr);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Routes to a listener other than --urls: Kestrel endpoints on the command line or in the environment, the host's port variables.</summary>
    public static TheoryData<string, string, string> ListenerOverrides => new()
    {
        { "argument", "--Kestrel:Endpoints:Evil:Url", "'Kestrel:Endpoints:Evil:Url'" },
        { "environment", "Kestrel__Endpoints__Evil__Url", "'Kestrel:Endpoints:Evil:Url'" },
        { "environment", "HTTP_PORTS", "'http_ports' (HTTP_PORTS" },
        { "environment", "ASPNETCORE_HTTPS_PORTS", "'https_ports' (HTTPS_PORTS" },
        { "environment", "ASPNETCORE_URLS", "beyond loopback without TLS" },
    };

    [Theory]
    [MemberData(nameof(ListenerOverrides))]
    public async Task ListenerOutsideThePlan_ServiceRefusesWithOneLine_NothingListens(string how, string setting, string named)
    {
        string dir = Paths.TempDir("evil");
        try
        {
            int port = ProcessTests.FreePort();
            string value = setting.Contains("PORTS") ? $"{port}" : $"http://0.0.0.0:{port}";
            var args = new List<string> { Paths.ServiceDll, "--rig", Paths.Rig("sim-default.json"), "--data-dir", dir, "--dashboard-urls", "none" };
            var env = new Dictionary<string, string>();
            if (how == "argument") args.AddRange([setting, value]);
            else env[setting] = value;
            if (setting != "ASPNETCORE_URLS") args.AddRange(["--urls", "http://127.0.0.1:0"]);
            var r = await ProcessRunner.RunAsync("dotnet", args, TimeSpan.FromSeconds(60), env);
            Assert.Equal(2, r.ExitCode);
            string line = Assert.Single(r.Stderr.Trim().Split('\n'));
            Assert.StartsWith("edgerig-service: refusing to start: ", line);
            Assert.Contains(named, line);
            Assert.DoesNotContain("Now listening", r.Stdout);
            using var probe = new System.Net.Sockets.TcpClient();
            await Assert.ThrowsAsync<System.Net.Sockets.SocketException>(() => probe.ConnectAsync(System.Net.IPAddress.Loopback, port));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Cli_RefusesToSendATokenInPlaintextBeyondLoopback()
    {
        var e = Assert.Throws<ArgumentException>(() => new RigConnection("http://10.1.2.3:50051", "erk_x", null, null).Open());
        Assert.Contains("plaintext", e.Message);
    }
}
