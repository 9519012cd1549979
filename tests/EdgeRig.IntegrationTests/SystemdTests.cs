using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using EdgeRig.Service.Systemd;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeRig.IntegrationTests;

/// <summary>The systemd units (systemd-analyze verify), the watchdog pings on a real notify socket, udev rules (install-pi and the .deb: PackageTests).</summary>
public sealed class SystemdTests
{
    private static string Repo(params string[] parts) => Path.Combine([Paths.RepoRoot, .. parts]);

    /// <summary>A throwaway root with the host's stock units, our units and stand-ins for the binaries they start.</summary>
    private static string UnitRoot(Func<string, string>? edit = null)
    {
        string root = Paths.TempDir("sdroot");
        string units = Path.Combine(root, "etc", "systemd", "system");
        Directory.CreateDirectory(units);
        foreach (var unit in Directory.GetFiles(Repo("systemd"), "*.service"))
            File.WriteAllText(Path.Combine(units, Path.GetFileName(unit)), (edit ?? (t => t))(File.ReadAllText(unit)));
        string stock = Path.Combine(root, "usr", "lib", "systemd", "system");
        Directory.CreateDirectory(stock);
        foreach (var f in Directory.GetFiles("/usr/lib/systemd/system", "*.target")) File.Copy(f, Path.Combine(stock, Path.GetFileName(f)));
        foreach (var f in Directory.GetFiles("/usr/lib/systemd/system", "*.slice")) File.Copy(f, Path.Combine(stock, Path.GetFileName(f)));
        Directory.CreateDirectory(Path.Combine(root, "opt", "edgerig"));
        File.Copy(Repo("systemd", "edgerig.env"), Path.Combine(root, "opt", "edgerig", "edgerig.env")); // where install-pi puts it
        foreach (var binary in new[] { "opt/edgerig/service/edgerig-service", "usr/sbin/ptp4l", "usr/sbin/phc2sys" })
        {
            string path = Path.Combine(root, binary);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, "#!/bin/sh\n");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        }
        return root;
    }

    private static async Task<ProcessRunner.Result> VerifyAsync(string root) =>
        await ProcessRunner.RunAsync("systemd-analyze", ["verify", "--root=" + root, "edgerig.service", "edgerig-ptp4l.service", "edgerig-phc2sys.service"], TimeSpan.FromSeconds(60));

    [Fact]
    public async Task Units_SystemdAnalyzeVerify_NoErrorsOrWarnings_AndABrokenUnitIsCaught()
    {
        string root = UnitRoot(), broken = UnitRoot(t => t.Replace("WatchdogSec=30s", "WatchdogSec=soon"));
        try
        {
            var clean = await VerifyAsync(root);
            Assert.True(clean.ExitCode == 0 && clean.Stderr.Trim().Length == 0, clean.Stderr);
            var bad = await VerifyAsync(broken);
            Assert.Contains("edgerig.service:", bad.Stderr); // the check above can fail: a bad value is reported
            Assert.Contains("soon", bad.Stderr);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
            Directory.Delete(broken, recursive: true);
        }
    }

    [Fact]
    public void ServiceUnit_NotifyWatchdogUserGroupsHardeningAndOrdering()
    {
        string unit = File.ReadAllText(Repo("systemd", "edgerig.service"));
        string Value(string key) => Regex.Match(unit, $"^{key}=(.*)$", RegexOptions.Multiline).Groups[1].Value.Trim();
        Assert.Equal("notify", Value("Type"));
        Assert.Matches(@"^\d+s$", Value("WatchdogSec"));
        Assert.Equal("on-failure", Value("Restart"));
        Assert.Equal("edgerig", Value("User"));
        Assert.Equal(["audio", "dialout", "gpio", "i2c", "video"], Value("SupplementaryGroups").Split(' ').Order());
        Assert.Equal("strict", Value("ProtectSystem"));
        Assert.Equal("true", Value("PrivateTmp"));
        Assert.Equal("true", Value("NoNewPrivileges"));
        Assert.Contains("edgerig-ptp4l.service", Value("After"));
        Assert.Contains("edgerig-phc2sys.service", Value("After"));
    }

    [Fact]
    public async Task EnvironmentFile_OneSourceForTheUnitAndTheScripts_SystemdSyntax()
    {
        string unit = File.ReadAllText(Repo("systemd", "edgerig.service"));
        Assert.Equal("/opt/edgerig/edgerig.env", Regex.Match(unit, "^EnvironmentFile=(.*)$", RegexOptions.Multiline).Groups[1].Value.Trim());
        Assert.DoesNotMatch("(?m)^Environment=.*(DOTNET_GC|MALLOC_)", unit);   // not repeated in the unit
        var settings = File.ReadAllLines(Repo("systemd", "edgerig.env")).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        Assert.All(settings, l => Assert.Matches("^[A-Za-z_][A-Za-z0-9_]*=[^ #\"']+$", l));  // one plain KEY=VALUE a line: read alike by systemd and bash
        Assert.Contains(settings, l => l.StartsWith("DOTNET_GCgen0size=", StringComparison.Ordinal));
        Assert.Contains(settings, l => l.StartsWith("MALLOC_ARENA_MAX=", StringComparison.Ordinal));
        foreach (var script in new[] { "run", "bench" })
        {
            string text = File.ReadAllText(Repo("scripts", script));
            Assert.Contains(". scripts/lib/service-env", text);
            Assert.DoesNotContain("DOTNET_GCgen0size", text);
        }
        // the scripts' reader exports the file's values, but one already set in the environment wins (memory experiments)
        var read = await ProcessRunner.RunAsync("bash", ["-c", "set -euo pipefail; . scripts/lib/service-env; echo \"$DOTNET_GCgen0size $MALLOC_ARENA_MAX\""],
            TimeSpan.FromSeconds(30), new Dictionary<string, string> { ["MALLOC_ARENA_MAX"] = "7" });
        Assert.True(read.ExitCode == 0, read.Stderr);
        string gen0 = settings.Single(l => l.StartsWith("DOTNET_GCgen0size=", StringComparison.Ordinal)).Split('=')[1];
        Assert.Equal($"{gen0} 7", read.Stdout.Trim());
    }

    [Fact]
    public async Task Watchdog_PingsOnlyWhileHealthy_OnARealUnixDatagramSocket()
    {
        string dir = Paths.TempDir("notify"), path = Path.Combine(dir, "notify.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        string? unhealthy = null;
        using var watchdog = new SystemdWatchdog(new WatchdogSettings(TimeSpan.FromMilliseconds(50)), NotifierFor(path), () => unhealthy, NullLogger.Instance);
        try
        {
            await watchdog.StartAsync(CancellationToken.None);
            Assert.Equal("WATCHDOG=1", await ReceiveAsync(socket, TimeSpan.FromSeconds(5)));

            unhealthy = "the recorder is stuck";
            await Task.Delay(200);
            while (socket.Available > 0) await ReceiveAsync(socket, TimeSpan.FromSeconds(1)); // pings sent before the switch
            Assert.Null(await ReceiveAsync(socket, TimeSpan.FromMilliseconds(600)));

            unhealthy = null;
            Assert.Equal("WATCHDOG=1", await ReceiveAsync(socket, TimeSpan.FromSeconds(5)));
        }
        finally
        {
            await watchdog.StopAsync(CancellationToken.None);
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Notifier_AbstractNamespaceAddress_Delivered()
    {
        string name = "edgerig-test-" + Guid.NewGuid().ToString("N");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint("\0" + name));
        var notifier = NotifierFor("@" + name);
        Assert.True(notifier.IsEnabled);
        notifier.Notify(new ServiceState("WATCHDOG=1"));
        Assert.Equal("WATCHDOG=1", await ReceiveAsync(socket, TimeSpan.FromSeconds(2)));
    }

    /// <summary>The notifier the host uses, aimed at a test socket: it reads NOTIFY_SOCKET once, when it is made.</summary>
    private static SystemdNotifier NotifierFor(string socket)
    {
        string? saved = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        Environment.SetEnvironmentVariable("NOTIFY_SOCKET", socket);
        try { return new SystemdNotifier(); }
        finally { Environment.SetEnvironmentVariable("NOTIFY_SOCKET", saved); }
    }

    private static async Task<string?> ReceiveAsync(Socket socket, TimeSpan timeout)
    {
        var buffer = new byte[256];
        using var cts = new CancellationTokenSource(timeout);
        try { return Encoding.ASCII.GetString(buffer, 0, await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token)); }
        catch (OperationCanceledException) { return null; }
    }

    [Fact]
    public void UdevRules_EveryRuleWellFormed_NamesCamerasBySerialLidarAndImu()
    {
        string[] rules = File.ReadAllLines(Repo("systemd", "99-edgerig.rules")).Where(l => l.Trim() is { Length: > 0 } t && !t.StartsWith('#')).ToArray();
        var pair = new Regex(@"^\s*[A-Z_]+(\{[A-Za-z_]+\})?(==|!=|\+=|=)""[^""]*""\s*$");
        Assert.All(rules, rule => Assert.All(rule.Split(','), p => Assert.Matches(pair, p)));
        Assert.Contains(rules, r => r.Contains("ID_SERIAL_SHORT") && r.Contains("SYMLINK+=\"edgerig/cam-"));
        Assert.Contains(rules, r => r.Contains("SYMLINK+=\"edgerig/lidar\""));
        Assert.Contains(rules, r => r.Contains("SYMLINK+=\"edgerig/imu-i2c\""));
    }

    [Fact]
    public async Task Publish_LinuxArm64_FrameworkDependent_HasServiceAndDashboard()
    {
        string output = Paths.TempDir("arm64");
        try
        {
            var publish = await ProcessRunner.RunAsync("dotnet", ["publish", Repo("src", "EdgeRig.Service"), "-c", "Release", "-r", "linux-arm64", "--self-contained", "false", "-o", output],
                TimeSpan.FromMinutes(8));
            Assert.True(publish.ExitCode == 0, publish.Stdout + publish.Stderr);
            Assert.True(File.Exists(Path.Combine(output, "edgerig-service.dll")));
            Assert.True(File.Exists(Path.Combine(output, "wwwroot", "index.html")));
            byte[] apphost = File.ReadAllBytes(Path.Combine(output, "edgerig-service"));
            Assert.Equal(183, BitConverter.ToUInt16(apphost, 18)); // ELF e_machine: EM_AARCH64
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }
}
