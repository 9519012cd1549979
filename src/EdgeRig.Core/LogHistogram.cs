namespace EdgeRig.Core;

/// <summary>
/// Percentiles of a non-negative quantity in fixed memory: logarithmic bins 5 % wide between <c>min</c> and
/// <c>max</c>, so a percentile is within about 2.5 % of the exact one. Values under <c>min</c> count as 0. One writer
/// (a capture thread, an analyzer) and any number of readers, which see a consistent-enough snapshot for reporting.
/// </summary>
public sealed class LogHistogram
{
    private const double BinRatio = 1.05;
    private static readonly double LogRatio = Math.Log(BinRatio);
    private readonly double _min, _max;
    private readonly long[] _bins;
    private long _count;
    private double _highest;

    public LogHistogram(double min, double max)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(min);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(max, min);
        _min = min;
        _max = max;
        _bins = new long[2 + (int)Math.Ceiling(Math.Log(max / min) / LogRatio)];
    }

    public long Count => Interlocked.Read(ref _count);

    /// <summary>The largest value added, exactly; 0 when empty.</summary>
    public double Highest => Volatile.Read(ref _highest);

    public void Add(double value)
    {
        int bin = value < _min || double.IsNaN(value) ? 0 : Math.Min(_bins.Length - 1, 1 + (int)(Math.Log(value / _min) / LogRatio));
        Interlocked.Increment(ref _bins[bin]);
        Interlocked.Increment(ref _count);
        if (value > Volatile.Read(ref _highest)) Volatile.Write(ref _highest, value);
    }

    /// <summary>The value under which a share <paramref name="p"/> (0..1) of the values lie; null when empty.</summary>
    public double? Percentile(double p)
    {
        long count = Count;
        if (count == 0) return null;
        long rank = Math.Max(1, (long)Math.Ceiling(p * count)), seen = 0;
        for (int i = 0; i < _bins.Length; i++)
        {
            seen += Interlocked.Read(ref _bins[i]);
            if (seen >= rank) return i == 0 ? 0 : _min * Math.Pow(BinRatio, i - 0.5);
        }
        return _max;
    }
}
