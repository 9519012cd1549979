namespace EdgeRig.Calibration.Stimulus;

/// <summary>
/// Turns one offset per event into a stream offset: events further than max(5 x scaled MAD, floor) from the median are
/// rejected, the estimate is the mean of the rest, its interval a percentile bootstrap of that mean.
/// </summary>
public static class PointOffsetAggregate
{
    public static StreamOffset Estimate(string stream, string method, IReadOnlyList<(StimulusReference Reference, double? OffsetNs, string? Rejected)> perEvent,
        double floorNs, StimulusOptions o)
    {
        var detected = perEvent.Where(e => e.OffsetNs is not null).Select(e => e.OffsetNs!.Value).ToList();
        var outlier = detected.Count == 0 ? [] : RobustStatistics.Outliers(detected, 5, floorNs);
        var kept = detected.Where((_, i) => !outlier[i]).ToList();
        double estimate = kept.Count == 0 ? double.NaN : kept.Average();
        var events = new List<EventContribution>();
        int d = 0;
        foreach (var (reference, offset, rejected) in perEvent)
        {
            if (offset is null) { events.Add(new EventContribution(reference.Number, reference.Time, null, rejected)); continue; }
            double residual = offset.Value - estimate;
            events.Add(new EventContribution(reference.Number, reference.Time, residual,
                outlier[d++] ? $"outlier: {(offset.Value - RobustStatistics.Median(detected)) / 1e6:0.000} ms from the median" : null));
        }
        if (kept.Count < o.MinEvents)
            return StreamOffset.Failed(stream, method, events, $"{stream}: only {kept.Count} of {perEvent.Count} stimuli detected and consistent (need {o.MinEvents})");
        var (low, high) = RobustStatistics.Bootstrap(kept, s => s.Average(), o.BootstrapResamples, o.Seed);
        return new StreamOffset(stream, method, estimate, low, high, events, null);
    }
}
