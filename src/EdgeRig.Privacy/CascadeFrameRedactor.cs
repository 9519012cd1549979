using System.Runtime.InteropServices;

namespace EdgeRig.Privacy;

/// <summary>Blurs the faces in one JPEG frame; returns the frame unchanged (the same bytes) when there are none.</summary>
public interface IFrameRedactor
{
    (ReadOnlyMemory<byte> Jpeg, bool Changed) Redact(ReadOnlyMemory<byte> jpeg);
}

/// <summary>Faces in JPEG frames blurred by the OpenCV cascade, with the work counted for the session's redaction report.</summary>
public sealed class CascadeFrameRedactor(FaceRedactor redactor) : IFrameRedactor, IDisposable
{
    private RedactionReport _report = new();

    public (ReadOnlyMemory<byte> Jpeg, bool Changed) Redact(ReadOnlyMemory<byte> jpeg)
    {
        var frame = MemoryMarshal.TryGetArray(jpeg, out var seg) && seg.Offset == 0 && seg.Count == seg.Array!.Length
            ? redactor.RedactJpeg(seg.Array)
            : redactor.RedactJpeg(jpeg.Span);
        Volatile.Read(ref _report).Add(frame);
        return frame.Changed ? (frame.Jpeg, true) : (jpeg, false);
    }

    /// <summary>A tracker for one camera stream over this redactor's detector (capture-time redaction, #18).</summary>
    public TrackingFaceRedactor NewTracker(FaceTrackingOptions? options = null) => new(redactor, options);

    /// <summary>The next frame of a stream through its tracker, counted like <see cref="Redact"/>.</summary>
    public (ReadOnlyMemory<byte> Jpeg, bool Changed) Redact(TrackingFaceRedactor tracker, ReadOnlyMemory<byte> jpeg)
    {
        var frame = tracker.Redact(jpeg);
        Volatile.Read(ref _report).Add(frame);
        return frame.Changed ? (frame.Jpeg, true) : (jpeg, false);
    }

    /// <summary>Runs the detector once on a blank frame (not counted), so the calling thread's cascade is loaded.</summary>
    public void Warm()
    {
        using var blank = new OpenCvSharp.Mat(64, 64, OpenCvSharp.MatType.CV_8UC3, OpenCvSharp.Scalar.All(128));
        redactor.Detect(blank);
    }

    /// <summary>Starts counting afresh (a new session) and returns what was counted before.</summary>
    public RedactionSummary Reset() => Interlocked.Exchange(ref _report, new RedactionReport()).Snapshot();

    public RedactionSummary Snapshot() => Volatile.Read(ref _report).Snapshot();

    public void Dispose() => redactor.Dispose();
}
