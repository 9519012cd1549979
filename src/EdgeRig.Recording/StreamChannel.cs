using System.Threading.Channels;
using EdgeRig.Core;

namespace EdgeRig.Recording;

/// <summary>
/// The bounded queue between one stream's capture and the recorder. Writing never blocks: when full, the
/// stream's drop policy decides which sample goes and the drop is counted. produced = recorded + dropped.
/// One producer (the stream's capture thread), one consumer (the recorder).
/// </summary>
public sealed class StreamChannel
{
    private readonly Channel<Sample> _channel;
    private long _produced, _dropped, _recorded, _gaps;
    private long _lastSequence = -1;

    public StreamChannel(StreamDescriptor descriptor, int capacity, DropPolicy policy)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Descriptor = descriptor;
        Capacity = capacity;
        _channel = Channel.CreateBounded<Sample>(new BoundedChannelOptions(capacity)
        {
            FullMode = policy == DropPolicy.DropOldest ? BoundedChannelFullMode.DropOldest : BoundedChannelFullMode.DropWrite,
            SingleReader = true,
            SingleWriter = true,
            AllowSynchronousContinuations = false,
        }, _ => Interlocked.Increment(ref _dropped));
    }

    public StreamDescriptor Descriptor { get; }

    /// <summary>Error bounds (ns) of every sample accepted into the session.</summary>
    public LogHistogram Bounds { get; } = new(1, 1e12);

    /// <summary>The error bounds' median, 99th percentile and maximum; a percentile is never reported above the maximum.</summary>
    public BoundStats SyncStats()
    {
        long count = Bounds.Count, max = (long)Bounds.Highest;
        Duration At(double p) => new(Math.Min(max, (long)Math.Round(Bounds.Percentile(p) ?? 0)));
        return new BoundStats(count, At(0.5), At(0.99), new Duration(max));
    }

    public int Capacity { get; }
    public ChannelReader<Sample> Reader => _channel.Reader;

    /// <summary>Offers a sample; false only once the channel is closed (the sample is then not counted).</summary>
    public bool TryWrite(Sample sample)
    {
        if (!_channel.Writer.TryWrite(sample)) return false;
        Interlocked.Increment(ref _produced);
        Bounds.Add(sample.Rig.ErrorBound.Nanoseconds);
        if (_lastSequence >= 0 && sample.Sequence > _lastSequence + 1)
            Interlocked.Add(ref _gaps, sample.Sequence - _lastSequence - 1);
        _lastSequence = sample.Sequence;
        return true;
    }

    /// <summary>Counts samples written straight from the pre-trigger buffer: produced and recorded at once.</summary>
    public void AddPreloaded(IReadOnlyList<Sample> samples)
    {
        Interlocked.Add(ref _produced, samples.Count);
        Interlocked.Add(ref _recorded, samples.Count);
        foreach (var s in samples)
        {
            Bounds.Add(s.Rig.ErrorBound.Nanoseconds);
            if (_lastSequence >= 0 && s.Sequence > _lastSequence + 1) Interlocked.Add(ref _gaps, s.Sequence - _lastSequence - 1);
            _lastSequence = s.Sequence;
        }
    }

    /// <summary>Counts samples the recorder has made durable.</summary>
    public void MarkRecorded(int count) => Interlocked.Add(ref _recorded, count);

    /// <summary>Counts samples taken from the channel that could not be stored.</summary>
    public void MarkLost(int count) => Interlocked.Add(ref _dropped, count);

    public void Complete() => _channel.Writer.TryComplete();

    /// <summary>How full the channel is, 0..1: the recorder's backlog for this stream.</summary>
    public double Fill => _channel.Reader.CanCount ? (double)_channel.Reader.Count / Capacity : 0;

    public StreamCounts Counts => new(Interlocked.Read(ref _produced), Interlocked.Read(ref _recorded), Interlocked.Read(ref _dropped), Interlocked.Read(ref _gaps));

    /// <summary>Default capacity: about two seconds of samples, at least 16.</summary>
    public static int DefaultCapacity(StreamDescriptor d) => Math.Max(16, (int)Math.Ceiling(d.NominalRateHz * 2));
}
