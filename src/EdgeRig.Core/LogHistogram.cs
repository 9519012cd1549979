namespace EdgeRig.Quality;

/// <summary>
/// Percentiles of a non-negative quantity in fixed memory: logarithmic bins 5 % wide between <c>min</c> and
/// <c>max</c>, so a percentile is within about 2.5 % of the exact one. Values under <c>min</c> count as 0.
/// </summary>
internal sealed class LogHistogram(double min, double max)
{
    private const double BinRatio = 1.05;
    private static readonly double LogRatio = Math.Log(BinRatio);
    private readonly long[] _bins = new long[2 + (int)Math.Ceiling(Math.Log(max / min) / LogRatio)];

    public long Count { get; private set; }

    public void Add(double value)
    {
        int bin = value < min || double.IsNaN(value) ? 0 : Math.Min(_bins.Length - 1, 1 + (int)(Math.Log(value / min) / LogRatio));
        _bins[bin]++;
        Count++;
    }

    /// <summary>The value under which a share <paramref name="p"/> (0..1) of the values lie; null when empty.</summary>
    public double? Percentile(double p)
    {
        if (Count == 0) return null;
        long rank = Math.Max(1, (long)Math.Ceiling(p * Count)), seen = 0;
        for (int i = 0; i < _bins.Length; i++)
        {
            seen += _bins[i];
            if (seen >= rank) return i == 0 ? 0 : min * Math.Pow(BinRatio, i - 0.5);
        }
        return max;
    }
}
