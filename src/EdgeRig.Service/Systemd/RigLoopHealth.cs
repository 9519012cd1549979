using EdgeRig.Recording;

namespace EdgeRig.Service.Systemd;

/// <summary>
/// Whether the rig loop is making progress, judged between two calls: capture is alive if any stream's sample count
/// moved, and the recorder is not stuck if its backlog is empty or its recorded counts moved.
/// </summary>
public sealed class RigLoopHealth(RecordingPipeline pipeline, TimeProvider time)
{
    private long _samples = -1, _recorded = -1;
    private readonly object _gate = new();
    private DateTimeOffset _checkedAt = DateTimeOffset.MinValue;
    private string? _last;

    /// <summary>Shortest time between two judgements: the watchdog and gRPC health share them, so neither narrows the window.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(2);

    /// <summary>The latest judgement, made afresh when the last one is <see cref="MinInterval"/> old. Null when healthy.</summary>
    public string? Current
    {
        get
        {
            lock (_gate)
            {
                var now = time.GetUtcNow();
                if (now - _checkedAt >= MinInterval)
                {
                    _last = Check();
                    _checkedAt = now;
                }
                return _last;
            }
        }
    }

    /// <summary>Null when healthy, otherwise why not.</summary>
    public string? Check()
    {
        var status = pipeline.Status();
        long samples = status.Streams.Sum(s => s.Total);
        long recorded = status.Streams.Sum(s => s.Session.Recorded + s.Session.Dropped);
        double backlog = pipeline.RecordingBacklog;
        bool first = _samples < 0;
        string? reason = null;
        if (!first && status.Streams.Count > 0 && samples == _samples) reason = "no stream delivered a sample since the last check";
        else if (!first && status.Active is not null && backlog > 0 && recorded == _recorded) reason = $"the recorder is stuck with its queues {backlog:P0} full";
        _samples = samples;
        _recorded = recorded;
        return reason;
    }
}
