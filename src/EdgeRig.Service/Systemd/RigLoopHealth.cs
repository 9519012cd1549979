using EdgeRig.Recording;

namespace EdgeRig.Service.Systemd;

/// <summary>
/// Whether the rig loop is making progress, judged between two calls: capture is alive if any stream's sample count
/// moved, and the recorder is not stuck if its backlog is empty or its recorded counts moved.
/// </summary>
public sealed class RigLoopHealth(RecordingPipeline pipeline)
{
    private long _samples = -1, _recorded = -1;

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
        else if (!first && status.Active is not null && backlog > 0 && recorded == _recorded) reason = $"the recorder is stuck with {backlog} samples queued";
        _samples = samples;
        _recorded = recorded;
        return reason;
    }
}
