using System.Diagnostics;
using EdgeRig.Core;
using EdgeRig.Timing.Ptp;

namespace EdgeRig.IntegrationTests;

/// <summary>
/// Real ptp4l: a master and a slave in two network namespaces joined by a veth pair, software timestamping,
/// both run with CAP_SYS_TIME dropped (setpriv) so this machine's clock is never touched. EdgeRig's monitor
/// must see the slave lock, then lose lock after the master is stopped.
/// </summary>
public sealed class PtpNamespaceTests : IAsyncLifetime
{
    private readonly string _tag = Guid.NewGuid().ToString("N")[..6];
    private readonly string _dir = Paths.TempDir("ptp");
    private readonly List<Process> _started = [];
    private string Master => $"erm{_tag}";
    private string Slave => $"ers{_tag}";

    public async Task InitializeAsync()
    {
        foreach (var cmd in new[]
        {
            $"netns add {Master}", $"netns add {Slave}",
            $"link add erv{_tag}a type veth peer name erv{_tag}b",
            $"link set erv{_tag}a netns {Master}", $"link set erv{_tag}b netns {Slave}",
            $"-n {Master} addr add 10.251.77.1/24 dev erv{_tag}a", $"-n {Slave} addr add 10.251.77.2/24 dev erv{_tag}b",
            $"-n {Master} link set erv{_tag}a up", $"-n {Slave} link set erv{_tag}b up",
            $"-n {Master} link set lo up", $"-n {Slave} link set lo up",
        })
        {
            var r = await ProcessRunner.RunAsync("ip", cmd.Split(' '), TimeSpan.FromSeconds(20));
            Assert.True(r.ExitCode == 0, $"ip {cmd}: {r.Stderr}");
        }
    }

    private Process StartPtp4l(string ns, string iface, string socket, string extra)
    {
        string cfg = Path.Combine(_dir, $"{ns}.cfg");
        File.WriteAllText(cfg, $"[global]\nuds_address {socket}\n{extra}\n");
        var p = ProcessRunner.Start("ip", ["netns", "exec", ns, "setpriv", "--bounding-set", "-sys_time", "--inh-caps", "-sys_time",
            "ptp4l", "-S", "-i", iface, "-f", cfg, "-m"]);
        _started.Add(p);
        return p;
    }

    [Fact]
    public async Task Slave_ReachesLock_ThenLosesItWhenMasterStops()
    {
        string slaveSocket = Path.Combine(_dir, "slave.sock");
        var master = StartPtp4l(Master, $"erv{_tag}a", Path.Combine(_dir, "master.sock"), "priority1 10");
        StartPtp4l(Slave, $"erv{_tag}b", slaveSocket, "slaveOnly 1");
        // software timestamps through a veth: offsets of a few microseconds at most
        var monitor = new PtpMonitor(new PtpProfile { Enabled = true, Socket = slaveSocket, OffsetThresholdNs = 100_000, PollsToLock = 3 },
            new PmcClient(slaveSocket), TimeProvider.System);

        var sw = Stopwatch.StartNew();
        PtpStatus status;
        do
        {
            await Task.Delay(1000);
            status = await monitor.PollAsync(CancellationToken.None);
        }
        while (!status.Locked && sw.Elapsed < TimeSpan.FromSeconds(120));
        Assert.True(status.Locked, $"no lock after {sw.Elapsed.TotalSeconds:0} s: {status.Summary}");
        Assert.Equal("SLAVE", status.Snapshot!.PortState);
        Assert.True(status.Snapshot.GrandmasterPresent);
        Assert.True(status.Snapshot.MeanPathDelayNs > 0);

        master.Kill();
        await master.WaitForExitAsync();
        var lost = Stopwatch.StartNew();
        do
        {
            await Task.Delay(500);
            status = await monitor.PollAsync(CancellationToken.None);
        }
        while (status.Locked && lost.Elapsed < TimeSpan.FromSeconds(30));
        Assert.False(status.Locked, "lock not lost 30 s after the master stopped");
        // announceReceiptTimeout 3 x 2 s announce interval, plus a poll
        Assert.True(lost.Elapsed < TimeSpan.FromSeconds(10), $"lock lost after {lost.Elapsed.TotalSeconds:0.0} s");
    }

    public async Task DisposeAsync()
    {
        foreach (var p in _started)
        {
            if (!p.HasExited) { p.Kill(entireProcessTree: true); await p.WaitForExitAsync(); }
            p.Dispose();
        }
        await ProcessRunner.RunAsync("ip", ["netns", "del", Master], TimeSpan.FromSeconds(20));
        await ProcessRunner.RunAsync("ip", ["netns", "del", Slave], TimeSpan.FromSeconds(20));
        Directory.Delete(_dir, recursive: true);
    }
}
