namespace EdgeRig.Calibration;

/// <summary>Median, MAD-based outlier rejection and a seeded percentile bootstrap: the statistics every estimator shares.</summary>
public static class RobustStatistics
{
    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("no values", nameof(values));
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /// <summary>Median absolute deviation scaled to a normal standard deviation (1.4826 x MAD).</summary>
    public static double ScaledMad(IReadOnlyList<double> values)
    {
        double m = Median(values);
        return 1.4826 * Median(values.Select(v => Math.Abs(v - m)).ToArray());
    }

    /// <summary>Values further than max(k x scaled MAD, floor) from the median are outliers.</summary>
    public static bool[] Outliers(IReadOnlyList<double> values, double k, double floor)
    {
        double m = Median(values), limit = Math.Max(k * ScaledMad(values), floor);
        return values.Select(v => Math.Abs(v - m) > limit).ToArray();
    }

    /// <summary>2.5th and 97.5th percentiles of <paramref name="statistic"/> over resamples (with replacement) of the items.</summary>
    public static (double Low, double High) Bootstrap<T>(IReadOnlyList<T> items, Func<IReadOnlyList<T>, double> statistic, int resamples, int seed)
    {
        var random = new Random(seed);
        var stats = new double[resamples];
        var pick = new T[items.Count];
        for (int b = 0; b < resamples; b++)
        {
            for (int i = 0; i < pick.Length; i++) pick[i] = items[random.Next(items.Count)];
            stats[b] = statistic(pick);
        }
        Array.Sort(stats);
        return (stats[(int)Math.Floor(0.025 * (resamples - 1))], stats[(int)Math.Ceiling(0.975 * (resamples - 1))]);
    }
}
