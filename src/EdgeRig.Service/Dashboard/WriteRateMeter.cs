using EdgeRig.Core;
using EdgeRig.Recording;

namespace EdgeRig.Service.Dashboard;

/// <summary>
/// The rate the rig writes to disk: measured from the open session's on-disk size while recording; while idle,
/// estimated from what recording would write now (each stream's live rate times its latest payload size).
/// </summary>
public sealed class WriteRateMeter(RecordingPipeline pipeline, ISessionCatalogue store, TimeProvider time)
{
    private readonly object _gate = new();
    private (string Session, long Bytes, long Ticks)? _previous;
    private double _measured;

    public double BytesPerSecond()
    {
        if (pipeline.Active is not { } session) return Estimate();
        long bytes;
        try { bytes = store.SessionDiskBytes(session.Id); }
        catch (Exception e) when (e is IOException or SessionNotFoundException) { return Estimate(); }
        long now = time.GetTimestamp();
        lock (_gate)
        {
            if (_previous is { } p && p.Session == session.Id && time.GetElapsedTime(p.Ticks, now) is var dt && dt >= TimeSpan.FromSeconds(1))
            {
                _measured = Math.Max(0, (bytes - p.Bytes) / dt.TotalSeconds);
                _previous = (session.Id, bytes, now);
            }
            else if (_previous is null || _previous.Value.Session != session.Id)
            {
                _previous = (session.Id, bytes, now);
                _measured = 0;
            }
            return _measured > 0 ? _measured : Estimate();
        }
    }

    private double Estimate() => pipeline.Status().Streams
        .Where(s => s.Live)
        .Sum(s => s.RateHz * (pipeline.Latest(s.Descriptor.Id)?.Payload.Length ?? 0));
}
