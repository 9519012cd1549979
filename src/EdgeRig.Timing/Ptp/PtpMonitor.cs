using EdgeRig.Core;

namespace EdgeRig.Timing.Ptp;

/// <summary>Polls ptp4l, keeps the latest <see cref="PtpStatus"/>, and tells listeners (sessions record the history).</summary>
public sealed class PtpMonitor(PtpProfile options, IPtpQuery query, TimeProvider time)
{
    private readonly PtpLockTracker _tracker = new(options.OffsetThresholdNs, options.PollsToLock);
    private PtpStatus _status = options.Enabled
        ? new PtpStatus(false, "not polled yet", null, false, null, DateTimeOffset.MinValue)
        : PtpStatus.Disabled;

    public PtpProfile Options => options;
    public PtpStatus Status => Volatile.Read(ref _status);

    /// <summary>Raised after every poll.</summary>
    public event Action<PtpStatus>? Polled;

    /// <summary>Polls once; never throws for PTP problems: they become an unavailable status.</summary>
    public async Task<PtpStatus> PollAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        PtpStatus status;
        try
        {
            string text = await query.QueryAsync(cancellationToken);
            if (PmcOutputParser.TryParse(text, out var snapshot, out var error))
            {
                bool locked = _tracker.Observe(snapshot, now);
                status = new PtpStatus(true, "", snapshot, locked, _tracker.LockedSince, now);
            }
            else
            {
                _tracker.Observe(null, now);
                status = new PtpStatus(false, error, null, false, null, now);
            }
        }
        catch (PtpUnavailableException e)
        {
            _tracker.Observe(null, now);
            status = new PtpStatus(false, e.Message, null, false, null, now);
        }
        Volatile.Write(ref _status, status);
        Polled?.Invoke(status);
        return status;
    }

    /// <summary>Polls at the configured interval until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (!options.Enabled) return;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.PollIntervalSeconds), time);
        do
        {
            await PollAsync(cancellationToken);
        }
        while (await timer.WaitForNextTickAsync(cancellationToken));
    }
}
