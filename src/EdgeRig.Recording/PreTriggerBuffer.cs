using EdgeRig.Core;

namespace EdgeRig.Recording;

/// <summary>
/// The armed mode's memory: the last samples of every stream, bounded by rig-time span and by the bytes they will
/// take in stored chunks (<see cref="Sample.StoredBytes"/>), held without writing anything. <see cref="Close"/> hands
/// them over in order when a trigger starts a session that begins in the past.
/// </summary>
public sealed class PreTriggerBuffer(Duration span, long maxBytes)
{
    private readonly Dictionary<StreamId, Queue<Sample>> _streams = new();
    private readonly object _gate = new();
    private long _bytes;
    private bool _closed;

    public Duration Span => span;
    public long MaxBytes => maxBytes;

    /// <summary>Samples evicted by the byte bound before their time was up.</summary>
    public long EvictedForSpace { get; private set; }

    public long Bytes { get { lock (_gate) return _bytes; } }

    /// <summary>Holds a sample; false once the buffer was closed (the caller then routes it to the session).</summary>
    public bool Add(Sample sample)
    {
        lock (_gate)
        {
            if (_closed) return false;
            if (!_streams.TryGetValue(sample.Stream, out var queue)) _streams[sample.Stream] = queue = new Queue<Sample>();
            queue.Enqueue(sample);
            _bytes += sample.StoredBytes;
            var horizon = sample.Rig.Time - span;
            while (queue.TryPeek(out var oldest) && oldest.Rig.Time < horizon)
                _bytes -= queue.Dequeue().StoredBytes;
            while (_bytes > maxBytes && EvictOldest()) EvictedForSpace++;
            return true;
        }
    }

    /// <summary>Closes the buffer and returns what it holds, per stream in arrival order.</summary>
    public IReadOnlyDictionary<StreamId, IReadOnlyList<Sample>> Close()
    {
        lock (_gate)
        {
            _closed = true;
            var result = _streams.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<Sample>)kv.Value.ToList());
            _streams.Clear();
            _bytes = 0;
            return result;
        }
    }

    /// <summary>The rig time of the oldest sample held, if any.</summary>
    public RigTime? Oldest
    {
        get
        {
            lock (_gate)
                return _streams.Values.Where(q => q.Count > 0).Select(q => (RigTime?)q.Peek().Rig.Time).DefaultIfEmpty(null).Min();
        }
    }

    private bool EvictOldest()
    {
        Queue<Sample>? oldest = null;
        foreach (var q in _streams.Values)
            if (q.Count > 0 && (oldest is null || q.Peek().Rig.Time < oldest.Peek().Rig.Time)) oldest = q;
        if (oldest is null) return false;
        _bytes -= oldest.Dequeue().StoredBytes;
        return true;
    }
}
