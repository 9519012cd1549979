namespace EdgeRig.Export.Dataset;

/// <summary>Binary searches over a stream's aligned times (sorted ascending).</summary>
internal static class TimeSearch
{
    /// <summary>The first index whose time is at or after <paramref name="t"/> (the length when none is).</summary>
    public static int LowerBound(long[] times, long t)
    {
        int lo = 0, hi = times.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (times[mid] < t) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    /// <summary>The index of the time closest to <paramref name="t"/> (the earlier on a tie), or -1 when there are none.</summary>
    public static int Nearest(long[] times, long t)
    {
        if (times.Length == 0) return -1;
        int after = LowerBound(times, t);
        if (after == 0) return 0;
        if (after == times.Length) return after - 1;
        return t - times[after - 1] <= times[after] - t ? after - 1 : after;
    }

    /// <summary>The first index and the count of times in [from, to).</summary>
    public static (long First, int Count) InWindow(long[] times, long from, long to)
    {
        int first = LowerBound(times, from);
        return (first, LowerBound(times, to) - first);
    }
}
