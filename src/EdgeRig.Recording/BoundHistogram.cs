using EdgeRig.Core;

namespace EdgeRig.Recording;

/// <summary>
/// A log-scale histogram of error bounds (8 buckets per power of two, so quantiles are within ~9 %), cheap
/// enough for the capture path. Single writer; readers get a consistent-enough snapshot for reporting.
/// </summary>
public sealed class BoundHistogram
{
    private const int SubBuckets = 8;
    private readonly long[] _buckets = new long[64 * SubBuckets];
    private long _count, _max;

    public void Add(Duration bound)
    {
        long ns = Math.Max(1, bound.Nanoseconds);
        Interlocked.Increment(ref _buckets[Bucket(ns)]);
        Interlocked.Increment(ref _count);
        if (ns > Interlocked.Read(ref _max)) Interlocked.Exchange(ref _max, ns);
    }

    public BoundStats Stats()
    {
        long count = Interlocked.Read(ref _count);
        return new BoundStats(count, new Duration(Quantile(count, 0.5)), new Duration(Quantile(count, 0.99)), new Duration(Interlocked.Read(ref _max)));
    }

    private long Quantile(long count, double q)
    {
        if (count == 0) return 0;
        long rank = (long)Math.Ceiling(q * count), seen = 0;
        for (int i = 0; i < _buckets.Length; i++)
        {
            seen += Interlocked.Read(ref _buckets[i]);
            if (seen >= rank) return Math.Min(UpperEdge(i), Interlocked.Read(ref _max));
        }
        return Interlocked.Read(ref _max);
    }

    private static int Bucket(long ns)
    {
        int exp = 63 - System.Numerics.BitOperations.LeadingZeroCount((ulong)ns);
        int sub = exp >= 3 ? (int)((ns >> (exp - 3)) & (SubBuckets - 1)) : (int)(ns & (SubBuckets - 1));
        return exp * SubBuckets + sub;
    }

    private static long UpperEdge(int bucket)
    {
        int exp = bucket / SubBuckets, sub = bucket % SubBuckets;
        return exp >= 3 ? ((long)(SubBuckets + sub + 1) << (exp - 3)) - 1 : (1L << exp) + sub;
    }
}
