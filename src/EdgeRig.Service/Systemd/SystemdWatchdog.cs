using Microsoft.Extensions.Hosting.Systemd;

namespace EdgeRig.Service.Systemd;

/// <summary>How often to ping systemd's watchdog.</summary>
public sealed record WatchdogSettings(TimeSpan Interval)
{
    /// <summary>From WATCHDOG_USEC (pinging at half the timeout); null when systemd asked this process for no watchdog.</summary>
    public static WatchdogSettings? FromEnvironment()
    {
        string? usec = Environment.GetEnvironmentVariable("WATCHDOG_USEC");
        string? pid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
        if (!long.TryParse(usec, out long micros) || micros <= 0) return null;
        if (pid is { Length: > 0 } && pid != Environment.ProcessId.ToString()) return null;
        return new WatchdogSettings(TimeSpan.FromTicks(micros * 10 / 2));
    }
}

/// <summary>
/// systemd's watchdog (WatchdogSec in edgerig.service): sends WATCHDOG=1 through the host's <see cref="ISystemdNotifier"/>
/// (NOTIFY_SOCKET) at half the timeout, but only while the rig loop is healthy, so a stalled capture or a stuck recorder
/// gets the service restarted.
/// </summary>
public sealed class SystemdWatchdog : BackgroundService
{
    private static readonly ServiceState Ping = new("WATCHDOG=1");
    private readonly WatchdogSettings? _settings;
    private readonly ISystemdNotifier _notifier;
    private readonly Func<string?> _unhealthyReason;
    private readonly ILogger _logger;

    public SystemdWatchdog(RigLoopHealth health, ISystemdNotifier notifier, ILogger<SystemdWatchdog> logger)
        : this(WatchdogSettings.FromEnvironment(), notifier, () => health.Current, logger) { }

    internal SystemdWatchdog(WatchdogSettings? settings, ISystemdNotifier notifier, Func<string?> unhealthyReason, ILogger logger)
    {
        _settings = settings;
        _notifier = notifier;
        _unhealthyReason = unhealthyReason;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_settings is not { } settings || !_notifier.IsEnabled) return;
        _logger.LogInformation("systemd watchdog: pinging every {Interval} while the rig loop is healthy", settings.Interval);
        using var timer = new PeriodicTimer(settings.Interval);
        string? lastReason = null;
        do
        {
            string? reason = _unhealthyReason();
            if (reason is null)
            {
                try { _notifier.Notify(Ping); }
                catch (System.Net.Sockets.SocketException e)
                {
                    _logger.LogWarning("systemd watchdog: cannot notify {Socket}: {Reason}", Environment.GetEnvironmentVariable("NOTIFY_SOCKET"), e.Message);
                }
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
