using System.Threading.Channels;
using EdgeRig.Core;
using Microsoft.Extensions.Logging;

namespace EdgeRig.Privacy;

/// <summary>
/// Redaction at capture (rig policy "capture"): camera frames pass through a worker per camera that blurs faces before
/// anything downstream (timing, pre-trigger buffer, recorder) sees them, so raw frames never reach the disk. Other streams go
/// straight through. Capture threads never wait: when a camera's worker falls behind, its oldest waiting frame is dropped
/// (counted in the <see cref="CaptureRedactionReport"/>; the stream shows it as a sequence gap).
/// </summary>
public sealed class RedactingSink : ISampleSink, IAsyncDisposable
{
    private readonly ISampleSink _inner;
    private readonly CaptureRedactionReport _report;
    private readonly Dictionary<StreamId, Channel<Sample>> _queues = new();
    private readonly List<Task> _workers = [];
    private readonly ILogger _logger;
    private readonly FaceTrackingOptions _tracking;

    /// <param name="queueCapacity">frames a camera may have waiting (about a second's worth rides out a busy moment).</param>
    /// <param name="tracking">how often each camera's worker runs the detector (default: every 3rd frame).</param>
    public RedactingSink(ISampleSink inner, IEnumerable<StreamId> cameras, CaptureRedactionReport report, ILogger logger, int queueCapacity = 32,
        FaceTrackingOptions? tracking = null)
    {
        _inner = inner;
        _tracking = tracking ?? new FaceTrackingOptions();
        _report = report;
        _logger = logger;
        foreach (var camera in cameras)
        {
            var queue = Channel.CreateBounded<Sample>(new BoundedChannelOptions(queueCapacity)
            {
                FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true,
            }, _ => report.CountDropped());
            _queues[camera] = queue;
            _workers.Add(Task.Factory.StartNew(() => Work(queue.Reader), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default));
        }
    }

    public void Publish(Sample sample)
    {
        if (_queues.TryGetValue(sample.Stream, out var queue)) queue.Writer.TryWrite(sample);
        else _inner.Publish(sample);
    }

    private void Work(ChannelReader<Sample> reader)
    {
        var redactor = _report.Redactor;
        redactor.Warm(); // load this worker's cascade now, not on the first frame of a session
        var tracker = redactor.NewTracker(_tracking); // one per camera: the detector on every k-th frame, boxes carried between
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (reader.TryRead(out var sample))
            {
                ReadOnlyMemory<byte> payload;
                try
                {
                    payload = redactor.Redact(tracker, sample.Payload).Jpeg;
                }
                catch (Exception e) when (e is CorruptJpegException or ArgumentException or OpenCvSharp.OpenCVException)
                {
                    // a frame that cannot be checked for faces is not stored raw: it is dropped, and counted
                    _report.CountDropped();
                    _logger.LogWarning("Frame {Sequence} of {Stream} dropped: it could not be redacted ({Reason})", sample.Sequence, sample.Stream, e.Message);
                    continue;
                }
                _inner.Publish(sample with { Payload = payload });
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var q in _queues.Values) q.Writer.TryComplete();
        await Task.WhenAll(_workers);
        _report.Redactor.Dispose();
    }
}
