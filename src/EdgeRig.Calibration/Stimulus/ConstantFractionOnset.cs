namespace EdgeRig.Calibration.Stimulus;

/// <summary>
/// Times the onset of an impulse (audio click, IMU tap) by constant-fraction discrimination: the first crossing of half the
/// peak deviation from the quiet baseline, linearly interpolated between the two samples either side, so it resolves a
/// fraction of a sample. For a step that happens between two samples this lands on their midpoint (unbiased); for a
/// band-limited edge, on its half-height point.
/// </summary>
public static class ConstantFractionOnset
{
    /// <summary>Peak deviation needed, in multiples of the baseline's largest deviation.</summary>
    public const double MinPeakToBaseline = 4;

    /// <summary>The onset time (ns) after <paramref name="referenceNs"/> within the window, or why there is none.</summary>
    public static (double? OnsetNs, string? Rejected) Find(IReadOnlyList<TimedValue> series, double referenceNs, double samplePeriodNs, StimulusOptions o)
    {
        var (crossing, rejected) = FindCrossing(series, referenceNs, samplePeriodNs, o);
        if (crossing is not { } c) return (null, rejected);
        double fraction = Math.Clamp((c.Level - c.BeforeDeviation) / (c.AfterDeviation - c.BeforeDeviation), 0, 1);
        return (c.BeforeNs + fraction * (c.AfterNs - c.BeforeNs), null);
    }

    /// <summary>The two samples either side of the first half-height crossing: the last below it and the first at or above.</summary>
    public readonly record struct Crossing(double BeforeNs, double AfterNs, double BeforeDeviation, double AfterDeviation, double Level);

    /// <summary>The samples around the first crossing of half the peak deviation in the window, or why there is none.</summary>
    public static (Crossing? Crossing, string? Rejected) FindCrossing(IReadOnlyList<TimedValue> series, double referenceNs, double samplePeriodNs, StimulusOptions o)
    {
        double windowStart = referenceNs + o.MinOffset.Nanoseconds, windowEnd = referenceNs + o.MaxOffset.Nanoseconds;
        int first = LowerBound(series, windowStart - o.Baseline.Nanoseconds), start = LowerBound(series, windowStart), end = LowerBound(series, windowEnd);
        if (start - first < 8) return (null, "no baseline before the window (outside the recording or a gap)");
        if (end - start < 4 || series[start].TimeNs > windowStart + 2 * samplePeriodNs || series[end - 1].TimeNs < windowEnd - 2 * samplePeriodNs)
            return (null, "the search window is not fully recorded");

        var baseline = new double[start - first];
        for (int i = first; i < start; i++) baseline[i - first] = series[i].Value;
        double centre = RobustStatistics.Median(baseline);
        double noise = baseline.Max(v => Math.Abs(v - centre));
        double peak = 0;
        for (int i = start; i < end; i++) peak = Math.Max(peak, Math.Abs(series[i].Value - centre));
        if (peak < MinPeakToBaseline * Math.Max(noise, 1e-12))
            return (null, $"no onset: peak {peak:0.###} vs baseline {noise:0.###}");

        double level = peak / 2;
        int n = start;
        while (Math.Abs(series[n].Value - centre) < level) n++;
        var (before, after) = (series[n - 1], series[n]);
        if (after.TimeNs - before.TimeNs > 1.5 * samplePeriodNs) return (null, "a gap in the samples at the onset");
        return (new Crossing(before.TimeNs, after.TimeNs, Math.Abs(before.Value - centre), Math.Abs(after.Value - centre), level), null);
    }

    internal static int LowerBound(IReadOnlyList<TimedValue> series, double t)
    {
        int lo = 0, hi = series.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (series[mid].TimeNs < t) lo = mid + 1; else hi = mid;
        }
        return lo;
    }
}
