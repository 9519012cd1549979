using EdgeRig.Recording;

namespace EdgeRig.Service.Systemd;

/// <summary>Where and how often to ping systemd's watchdog.</summary>
public sealed record WatchdogSettings(string NotifySocket, TimeSpan Interval)
{
    /// <summary>From NOTIFY_SOCKET and WATCHDOG_USEC (pinging at half the timeout); null when systemd asked for no watchdog.</summary>
    public static WatchdogSettings? FromEnvironment()
    {
        string? socket = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        string? usec = Environment.GetEnvironmentVariable("WATCHDOG_USEC");
        string? pid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
        if (string.IsNullOrEmpty(socket) || !long.TryParse(usec, out long micros) || micros <= 0) return null;
        if (pid is { Length: > 0 } && pid != Environment.ProcessId.ToString()) return null;
        return new WatchdogSettings(socket, TimeSpan.FromTicks(micros * 10 / 2));
    }
}

/// <summary>
/// systemd's watchdog (WatchdogSec in edgerig.service): sends WATCHDOG=1 at half the timeout, but only while the rig
/// loop is healthy, so a stalled capture or a stuck recorder gets the service restarted.
/// </summary>
public sealed class SystemdWatchdog : BackgroundService
{
    private readonly WatchdogSettings? _settings;
    private readonly Func<string?> _unhealthyReason;
    private readonly ILogger _logger;

    public SystemdWatchdog(RigLoopHealth health, ILogger<SystemdWatchdog> logger)
        : this(WatchdogSettings.FromEnvironment(), () => health.Current, logger) { }

    internal SystemdWatchdog(WatchdogSettings? settings, Func<string?> unhealthyReason, ILogger logger)
    {
        _settings = settings;
        _unhealthyReason = unhealthyReason;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_settings is not { } settings) return;
        _logger.LogInformation("systemd watchdog: pinging every {Interval} while the rig loop is healthy", settings.Interval);
        using var timer = new PeriodicTimer(settings.Interval);
        string? lastReason = null;
        do
        {
            string? reason = _unhealthyReason();
            if (reason is null)
            {
                try { NotifySocket.Send(settings.NotifySocket, "WATCHDOG=1"); }
                catch (System.Net.Sockets.SocketException e) { _logger.LogWarning("systemd watchdog: cannot notify {Socket}: {Reason}", settings.NotifySocket, e.Message); }
            }
            else if (reason != lastReason)
            {
                _logger.LogError("systemd watchdog: not pinging: {Reason}", reason);
            }
            lastReason = reason;
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken token)
    {
        try { return await timer.WaitForNextTickAsync(token); }
        catch (OperationCanceledException) { return false; }
    }
}
