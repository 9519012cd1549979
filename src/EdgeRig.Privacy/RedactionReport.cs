using System.Text.Json;

namespace EdgeRig.Privacy;

/// <summary>Running totals of redaction for a session or a stream: how many frames had faces and what redaction cost. Thread-safe.</summary>
public sealed class RedactionReport
{
    private readonly Lock _lock = new();
    private long _framesProcessed, _framesWithFaces, _facesFound;
    private TimeSpan _totalTime, _maxTime;

    public long FramesProcessed { get { lock (_lock) return _framesProcessed; } }
    public long FramesWithFaces { get { lock (_lock) return _framesWithFaces; } }
    public long FacesFound { get { lock (_lock) return _facesFound; } }
    public TimeSpan TotalTime { get { lock (_lock) return _totalTime; } }
    public TimeSpan MaxTime { get { lock (_lock) return _maxTime; } }

    public void Add(RedactedFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        lock (_lock)
        {
            _framesProcessed++;
            if (frame.Faces > 0) _framesWithFaces++;
            _facesFound += frame.Faces;
            _totalTime += frame.Elapsed;
            if (frame.Elapsed > _maxTime) _maxTime = frame.Elapsed;
        }
    }

    /// <summary>All counters at one instant.</summary>
    public RedactionSummary Snapshot()
    {
        lock (_lock) return new RedactionSummary(_framesProcessed, _framesWithFaces, _facesFound, _totalTime, _maxTime);
    }
}

/// <summary>A consistent copy of a <see cref="RedactionReport"/>'s counters.</summary>
public sealed record RedactionSummary(long FramesProcessed, long FramesWithFaces, long FacesFound, TimeSpan TotalTime, TimeSpan MaxTime)
{
    public TimeSpan MeanTime => FramesProcessed == 0 ? TimeSpan.Zero : TotalTime / FramesProcessed;

    /// <summary>snake_case JSON with times in milliseconds, for the session record and the QA report.</summary>
    public string ToJson() => JsonSerializer.Serialize(new
    {
        frames_processed = FramesProcessed,
        frames_with_faces = FramesWithFaces,
        faces_found = FacesFound,
        total_ms = Math.Round(TotalTime.TotalMilliseconds, 3),
        mean_ms = Math.Round(MeanTime.TotalMilliseconds, 3),
        max_ms = Math.Round(MaxTime.TotalMilliseconds, 3),
    });
}
