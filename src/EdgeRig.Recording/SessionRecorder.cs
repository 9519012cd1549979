using System.Threading.Channels;
using EdgeRig.Core;
using Microsoft.Extensions.Logging;

namespace EdgeRig.Recording;

/// <summary>Watches the samples a session records (QA analysis); called on the recorder's writer task, in order per stream.</summary>
public interface ISessionObserver
{
    void Observe(Sample sample);
}

/// <summary>
/// Records one session: a bounded channel per stream, and one writer task that awaits them, batches each stream's samples
/// into chunks (bounded by size and by the flush interval, timed by the injected <see cref="TimeProvider"/>) and writes every
/// ready chunk in one store transaction. Each stream's first chunk has the short first-flush interval, so the first samples
/// of a session are durable soon after its start. A storage failure ends the session cleanly with the reason; what was written stays.
/// </summary>
public sealed class SessionRecorder
{
    private static readonly TimeSpan CountsInterval = TimeSpan.FromSeconds(1);

    private readonly ISessionStore _store;
    private readonly IRigClock _clock;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Dictionary<StreamId, StreamChannel> _channels;
    private readonly Dictionary<StreamId, PendingChunk> _pending;
    private readonly Channel<Marker> _markers = Channel.CreateUnbounded<Marker>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TimeSpan _flushInterval;
    private readonly TimeSpan _firstFlushInterval;
    private readonly int _maxChunkBytes;
    private readonly RecorderWakeup _wakeup;
    private Task? _writer;
    private long _lastCountsUpdate;
    private volatile bool _stopRequested;
    private volatile string? _failure;

    private sealed class PendingChunk(StreamChannel channel, TimeSpan firstInterval)
    {
        public StreamChannel Channel { get; } = channel;
        /// <summary>How long this chunk may wait for more samples: the first-flush interval until the stream's first chunk is taken.</summary>
        public TimeSpan Interval = firstInterval;
        public List<Sample> Samples { get; } = [];
        public int Bytes;
        /// <summary>When (<see cref="TimeProvider.GetTimestamp"/>) the first sample of this chunk was taken from the channel.</summary>
        public long Since;
    }

    public SessionRecorder(Session session, IReadOnlyList<StreamChannel> channels, RecordingProfile settings,
        ISessionStore store, IRigClock clock, TimeProvider time, ILogger logger, ISessionObserver? observer = null)
    {
        Observer = observer;
        Session = session;
        _store = store;
        _clock = clock;
        _time = time;
        _logger = logger;
        _channels = channels.ToDictionary(c => c.Descriptor.Id);
        _flushInterval = TimeSpan.FromSeconds(settings.FlushIntervalSeconds);
        _firstFlushInterval = TimeSpan.FromSeconds(Math.Min(settings.FirstFlushSeconds, settings.FlushIntervalSeconds));
        _pending = channels.ToDictionary(c => c.Descriptor.Id, c => new PendingChunk(c, _firstFlushInterval));
        _maxChunkBytes = settings.MaxChunkBytes;
        _wakeup = new RecorderWakeup(channels.Select(c => c.Reader).ToList(), _markers.Reader, time);
    }

    public Session Session { get; }

    /// <summary>Sees every sample accepted for recording, on the writer task (the QA analysis).</summary>
    public ISessionObserver? Observer { get; }

    /// <summary>Why recording ended on its own (storage failure), or null while healthy.</summary>
    public string? Failure => _failure;

    /// <summary>Raised on the writer task when a storage failure ended recording.</summary>
    public event Action<SessionRecorder, string>? Failed;

    /// <summary>The fullest stream channel, 0..1: how far the writer is behind capture.</summary>
    public double Backlog => _channels.Values.Max(c => c.Fill);

    public IReadOnlyDictionary<string, StreamCounts> Counts => _channels.ToDictionary(kv => kv.Key.Value, kv => kv.Value.Counts);

    /// <summary>Creates the session, writes any pre-trigger samples first, then starts the writer.</summary>
    public void Start(IReadOnlyDictionary<StreamId, IReadOnlyList<Sample>>? preloaded = null)
    {
        _store.CreateSession(Session, _channels.Values.Select(c => c.Descriptor).ToList());
        if (preloaded is not null) WritePreloaded(preloaded);
        _lastCountsUpdate = _time.GetTimestamp();
        _writer = Task.Run(WriteLoopAsync);
    }

    private void WritePreloaded(IReadOnlyDictionary<StreamId, IReadOnlyList<Sample>> preloaded)
    {
        foreach (var (stream, samples) in preloaded)
        {
            if (!_channels.TryGetValue(stream, out var channel) || samples.Count == 0) continue;
            var batches = new List<ChunkBatch>();
            var part = new List<Sample>();
            int bytes = 0;
            foreach (var s in samples)
            {
                part.Add(s);
                bytes += s.StoredBytes;
                if (bytes >= _maxChunkBytes) { batches.Add(new ChunkBatch(channel.Descriptor, part.ToArray())); part.Clear(); bytes = 0; }
            }
            if (part.Count > 0) batches.Add(new ChunkBatch(channel.Descriptor, part.ToArray()));
            _store.WriteChunks(Session.Id, batches);
            channel.AddPreloaded(samples);
            if (Observer is { } observer) foreach (var s in samples) Observe(observer, s);
        }
    }

    /// <summary>Hands a stamped sample to its stream's channel; never blocks.</summary>
    public void Publish(Sample sample)
    {
        if (_channels.TryGetValue(sample.Stream, out var channel))
            channel.TryWrite(sample);
    }

    /// <summary>Queues a marker to be stored by the writer (for capture threads, which must not wait on storage).</summary>
    public void QueueMarker(Marker marker) => _markers.Writer.TryWrite(marker);

    /// <summary>Stores a marker now.</summary>
    public void AddMarker(Marker marker)
    {
        if (_failure is not null) throw new InvalidRigStateException($"recording of session '{Session.Id}' stopped: {_failure}");
        _store.AddMarker(Session.Id, marker);
    }

    /// <summary>Closes the channels, drains and writes everything accepted, and closes the session.</summary>
    public async Task<SessionRecord> StopAsync(string reason)
    {
        foreach (var c in _channels.Values) c.Complete();
        _markers.Writer.TryComplete();
        _stopRequested = true; // after the channels closed: the last pass finds them complete once drained
        _wakeup.Stop();
        if (_writer is not null) await _writer.ConfigureAwait(false);
        _wakeup.Dispose();
        string finalReason = _failure ?? reason;
        var counts = Counts;
        _store.UpdateCounts(Session.Id, counts);
        _store.UpdateSync(Session.Id, _channels.ToDictionary(kv => kv.Key.Value, kv => kv.Value.SyncStats()));
        var chunks = _store.ListChunks(Session.Id);
        var stop = chunks.Count > 0 ? chunks.Max(c => c.LastRigTime) : _clock.RigNow;
        var now = _clock.RigNow;
        _store.CloseSession(Session.Id, now > stop ? now : stop, SessionState.Complete, finalReason);
        return _store.GetSession(Session.Id);
    }

    private async Task WriteLoopAsync()
    {
        var ready = new List<ChunkBatch>();
        var readyChannels = new List<StreamChannel>();
        while (true)
        {
            bool stopping = _stopRequested;
            if (!stopping)
            {
                await _wakeup.WaitAsync(NextDue()).ConfigureAwait(false);
                stopping = _stopRequested;
            }
            long now = _time.GetTimestamp();
            foreach (var p in _pending.Values)
            {
                while (p.Channel.Reader.TryRead(out var s))
                {
                    if (p.Samples.Count == 0) p.Since = now;
                    p.Samples.Add(s);
                    if (Observer is { } observer) Observe(observer, s);
                    p.Bytes += s.StoredBytes;
                    if (p.Bytes >= _maxChunkBytes) TakeChunk(p, ready, readyChannels);
                }
                if (p.Samples.Count > 0 && (stopping || _time.GetElapsedTime(p.Since, now) >= p.Interval))
                    TakeChunk(p, ready, readyChannels);
            }
            if (ready.Count > 0 || _markers.Reader.TryPeek(out _)) Flush(ready, readyChannels);
            if (stopping && _failure is null && _channels.Values.All(c => c.Reader.Completion.IsCompleted)) return;
            if (_failure is not null)
            {
                if (_reserveReached) FlushIntoReserve();
                else DiscardAfterFailure();
                return;
            }
            if (_time.GetElapsedTime(_lastCountsUpdate, now) >= CountsInterval)
            {
                _lastCountsUpdate = now;
                TryStore(() => _store.UpdateCounts(Session.Id, Counts));
            }
        }
    }

    /// <summary>How long until the next chunk is due by the flush interval, or the counts by theirs.</summary>
    private TimeSpan NextDue()
    {
        long now = _time.GetTimestamp();
        var due = CountsInterval - _time.GetElapsedTime(_lastCountsUpdate, now);
        foreach (var p in _pending.Values)
            if (p.Samples.Count > 0)
            {
                var chunkDue = p.Interval - _time.GetElapsedTime(p.Since, now);
                if (chunkDue < due) due = chunkDue;
            }
        return due;
    }

    private void Observe(ISessionObserver observer, Sample sample)
    {
        try { observer.Observe(sample); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // analysis must never stop recording
            if (Interlocked.Increment(ref _observerFailures) == 1)
                _logger.LogWarning(e, "QA analysis of session {Session} failed on {Stream}; recording goes on", Session.Id, sample.Stream);
        }
    }

    private int _observerFailures;

    private void TakeChunk(PendingChunk p, List<ChunkBatch> ready, List<StreamChannel> readyChannels)
    {
        p.Interval = _flushInterval;
        ready.Add(new ChunkBatch(p.Channel.Descriptor, p.Samples.ToArray()));
        readyChannels.Add(p.Channel);
        p.Samples.Clear();
        p.Bytes = 0;
    }

    private void Flush(List<ChunkBatch> ready, List<StreamChannel> readyChannels)
    {
        bool ok = ready.Count == 0 || TryStore(() => _store.WriteChunks(Session.Id, ready));
        if (!ok && _reserveReached)
        {
            // kept for the last write into the reserve
            _final.AddRange(ready.Zip(readyChannels));
            ready.Clear();
            readyChannels.Clear();
            return;
        }
        for (int i = 0; i < ready.Count; i++)
        {
            if (ok) readyChannels[i].MarkRecorded(ready[i].Samples.Count);
            else readyChannels[i].MarkLost(ready[i].Samples.Count);
        }
        ready.Clear();
        readyChannels.Clear();
        while (ok && _markers.Reader.TryRead(out var m))
            ok = TryStore(() => _store.AddMarker(Session.Id, m));
    }

    private bool TryStore(Action write)
    {
        if (_failure is not null) return false;
        try
        {
            write();
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _reserveReached = e is StorageFullException { ReserveReached: true };
            _failure = e is StorageFullException ? e.Message : $"storage failed: {e.Message}";
            _logger.LogError(e, "Recording of session {Session} stopped: storage failed", Session.Id);
            foreach (var c in _channels.Values) c.Complete();
            Failed?.Invoke(this, _failure);
            return false;
        }
    }

    private bool _reserveReached;
    private readonly List<(ChunkBatch Batch, StreamChannel Channel)> _final = [];

    /// <summary>The reserve ended the session: everything accepted so far (the refused flush and the queues) is written into
    /// the reserve, which exists for this, in one last write; only if that fails too is it counted lost.</summary>
    private void FlushIntoReserve()
    {
        foreach (var p in _pending.Values)
        {
            while (p.Channel.Reader.TryRead(out var s))
            {
                p.Samples.Add(s);
                if (Observer is { } observer) Observe(observer, s);
            }
            if (p.Samples.Count > 0) _final.Add((new ChunkBatch(p.Channel.Descriptor, p.Samples.ToArray()), p.Channel));
            p.Samples.Clear();
        }
        bool ok;
        try
        {
            if (_final.Count > 0) _store.WriteChunksIntoReserve(Session.Id, _final.Select(f => f.Batch).ToList());
            ok = true;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            _logger.LogError("The last write of session {Session} into the disk reserve failed: {Reason}", Session.Id, e.Message);
            ok = false;
        }
        foreach (var (batch, channel) in _final)
        {
            if (ok) channel.MarkRecorded(batch.Samples.Count);
            else channel.MarkLost(batch.Samples.Count);
        }
        _final.Clear();
    }

    private void DiscardAfterFailure()
    {
        foreach (var p in _pending.Values)
        {
            while (p.Channel.Reader.TryRead(out var s)) p.Samples.Add(s);
            p.Channel.MarkLost(p.Samples.Count);
            p.Samples.Clear();
        }
    }
}
