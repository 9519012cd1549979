using System.Runtime.InteropServices;
using System.Text.Json;
using System.Threading.Channels;
using EdgeRig.Core;
using EdgeRig.Privacy;

namespace EdgeRig.Service.Privacy;

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

/// <summary>
/// Redaction at capture (rig policy "capture"): camera frames pass through a worker per camera that blurs faces before
/// anything downstream (timing, pre-trigger buffer, recorder) sees them, so raw frames never reach the disk. Other streams go
/// straight through. Capture threads never wait: when a camera's worker falls behind, its oldest waiting frame is dropped
/// (counted; the stream shows it as a sequence gap).
/// </summary>
public sealed class RedactingSink : ISampleSink, IAsyncDisposable
{
    private readonly ISampleSink _inner;
    private readonly CascadeFrameRedactor _redactor;
    private readonly Dictionary<StreamId, Channel<Sample>> _queues = new();
    private readonly List<Task> _workers = [];
    private readonly ILogger _logger;
    private long _dropped;

    /// <param name="queueCapacity">frames a camera may have waiting (about a second's worth rides out a busy moment).</param>
    public RedactingSink(ISampleSink inner, IEnumerable<StreamId> cameras, CascadeFrameRedactor redactor, ILogger logger, int queueCapacity = 32)
    {
        _inner = inner;
        _redactor = redactor;
        _logger = logger;
        foreach (var camera in cameras)
        {
            var queue = Channel.CreateBounded<Sample>(new BoundedChannelOptions(queueCapacity)
            {
                FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true,
            }, _ => Interlocked.Increment(ref _dropped));
            _queues[camera] = queue;
            _workers.Add(Task.Factory.StartNew(() => Work(queue.Reader), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default));
        }
    }

    /// <summary>Frames dropped because redaction could not keep up.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void Publish(Sample sample)
    {
        if (_queues.TryGetValue(sample.Stream, out var queue)) queue.Writer.TryWrite(sample);
        else _inner.Publish(sample);
    }

    private void Work(ChannelReader<Sample> reader)
    {
        _redactor.Warm(); // load this worker's cascade now, not on the first frame of a session
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (reader.TryRead(out var sample))
            {
                ReadOnlyMemory<byte> payload;
                try
                {
                    payload = _redactor.Redact(sample.Payload).Jpeg;
                }
                catch (Exception e) when (e is CorruptJpegException or ArgumentException or OpenCvSharp.OpenCVException)
                {
                    // a frame that cannot be checked for faces is not stored raw: it is dropped, and counted
                    Interlocked.Increment(ref _dropped);
                    _logger.LogWarning("Frame {Sequence} of {Stream} dropped: it could not be redacted ({Reason})", sample.Sequence, sample.Stream, e.Message);
                    continue;
                }
                _inner.Publish(sample with { Payload = payload });
            }
        }
    }

    /// <summary>A new session starts: the report counts from here.</summary>
    public void BeginSession()
    {
        _redactor.Reset();
        Interlocked.Exchange(ref _dropped, 0);
    }

    /// <summary>The session's redaction report as JSON: frames processed, faces found, time spent, frames dropped.</summary>
    public string SessionReportJson()
    {
        var s = _redactor.Snapshot();
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

    public async ValueTask DisposeAsync()
    {
        foreach (var q in _queues.Values) q.Writer.TryComplete();
        await Task.WhenAll(_workers);
        _redactor.Dispose();
    }
}
