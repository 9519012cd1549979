using EdgeRig.Core;

namespace EdgeRig.Recording;

/// <summary>Live, lock-light figures of one stream whether or not it records: rate, last sample, sync bound.</summary>
public sealed class StreamStats(StreamDescriptor descriptor)
{
    private static readonly long WindowNs = Duration.FromSeconds(1).Nanoseconds;
    private long _windowStart = long.MinValue, _windowCount, _total;
    private double _rateHz;
    private Sample? _last;

    public StreamDescriptor Descriptor { get; } = descriptor;
    public long Total => Interlocked.Read(ref _total);
    public double RateHz => Volatile.Read(ref _rateHz);
    public Sample? Last => Volatile.Read(ref _last);

    /// <summary>Called from the stream's capture thread only.</summary>
    public void Observe(Sample s)
    {
        long t = s.HostTime.Nanoseconds;
        if (_windowStart == long.MinValue) _windowStart = t;
        _windowCount++;
        long elapsed = t - _windowStart;
        if (elapsed >= WindowNs)
        {
            Volatile.Write(ref _rateHz, (_windowCount - 1) * 1e9 / elapsed);
            _windowStart = t;
            _windowCount = 1;
        }
        Interlocked.Increment(ref _total);
        Volatile.Write(ref _last, s);
    }

    /// <summary>Whether samples arrive as expected: one within five periods (at least a second). Event streams are live while running.</summary>
    public bool IsLive(HostTime now)
    {
        if (Descriptor.NominalRateHz <= 0) return true;
        var last = Last;
        if (last is null) return false;
        long limit = Math.Max(WindowNs, 5 * Descriptor.NominalPeriod.Nanoseconds);
        return (now - last.HostTime).Nanoseconds < limit;
    }
}
