using System.Text.Json;

namespace EdgeRig.Privacy;

/// <summary>
/// The redaction-at-capture report of the recording session: what the cascade did (counted by its redactor) and the frames
/// dropped because redaction could not keep up or a frame could not be checked. It exists before the capture stage and the
/// recording pipeline, so the pipeline's session hooks can start and read it without holding the stage.
/// </summary>
public sealed class CaptureRedactionReport(CascadeFrameRedactor redactor)
{
    private long _dropped;

    /// <summary>The redactor the capture stage runs and this report counts.</summary>
    public CascadeFrameRedactor Redactor => redactor;

    /// <summary>Frames dropped since the session began.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void CountDropped() => Interlocked.Increment(ref _dropped);

    /// <summary>A new session starts: the report counts from here.</summary>
    public void BeginSession()
    {
        redactor.Reset();
        Interlocked.Exchange(ref _dropped, 0);
    }

    /// <summary>The session's redaction report as JSON: frames processed, faces found, time spent, frames dropped.</summary>
    public string SessionReportJson()
    {
        var s = redactor.Snapshot();
        return JsonSerializer.Serialize(new
        {
            policy = "capture",
            framesProcessed = s.FramesProcessed,
            framesWithFaces = s.FramesWithFaces,
            facesFound = s.FacesFound,
            totalSeconds = Math.Round(s.TotalTime.TotalSeconds, 3),
            meanMs = Math.Round(s.MeanTime.TotalMilliseconds, 3),
            maxMs = Math.Round(s.MaxTime.TotalMilliseconds, 3),
            framesDropped = Dropped,
        });
    }
}
