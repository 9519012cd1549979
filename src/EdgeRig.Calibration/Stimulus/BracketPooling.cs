namespace EdgeRig.Calibration.Stimulus;

/// <summary>One event's bracket of offsets as measured, or why it gave none; <paramref name="Label"/> names the edge when an event has several.</summary>
public sealed record TimedBracket(StimulusReference Reference, string Label, OffsetBracket? Bracket, string? Rejected);

/// <summary>
/// A stream's offset from brackets, used where one event only says "between these two samples" (a LIDAR range step seen once
/// per turn, an IMU impulse at 400 Hz): pooled over events at random phases, the region narrows like a sample period over the
/// number of events, faster than averaging. The estimate is the middle of the deepest region of the brackets as measured (the
/// narrowest brackets agree there, and one whose sample times carry an outlying mapping error cannot drag it); the interval is
/// the deepest region of the brackets widened by the stream's mapping error bound, and brackets that miss it are rejected.
/// </summary>
public static class BracketPooling
{
    /// <param name="what">What an event is called in messages ("stimuli", "range step edges").</param>
    /// <param name="items">Each event's bracket as measured (not widened).</param>
    /// <param name="widenNs">How far each bracket may be off: the stream's mapping error bound.</param>
    public static StreamOffset Estimate(string stream, string method, IReadOnlyList<TimedBracket> items, double widenNs, string what, StimulusOptions o)
    {
        var timed = items.Where(e => e.Bracket is not null).ToList();
        if (timed.Count == 0)
            return StreamOffset.Failed(stream, method, items.Select(Contribution(double.NaN, widenNs)).ToList(),
                $"{stream}: none of {items.Count} {what} detected (need {o.MinEvents})");
        var (rawLow, rawHigh, _) = BracketIntersection.DeepestRegion(timed.Select(e => e.Bracket!.Value).ToList());
        var (low, high, depth) = BracketIntersection.DeepestRegion(timed.Select(e => Widen(e.Bracket!.Value, widenNs)).ToList());
        double estimate = Math.Clamp((rawLow + rawHigh) / 2, low, high);
        var events = items.Select(Contribution(estimate, widenNs)).ToList();
        if (depth < o.MinEvents)
            return StreamOffset.Failed(stream, method, events, $"{stream}: only {depth} of {items.Count} {what} detected and consistent (need {o.MinEvents})");
        return new StreamOffset(stream, method, estimate, low, high, events, null);
    }

    private static OffsetBracket Widen(OffsetBracket b, double widenNs) => new(b.LowNs - widenNs, b.HighNs + widenNs);

    private static Func<TimedBracket, EventContribution> Contribution(double estimate, double widenNs) => e =>
    {
        string label = e.Label.Length > 0 ? e.Label + ": " : "";
        if (e.Bracket is not { } raw) return new EventContribution(e.Reference.Number, e.Reference.Time, null, label + e.Rejected);
        var b = Widen(raw, widenNs);
        double miss = b.DistanceTo(estimate);
        return new EventContribution(e.Reference.Number, e.Reference.Time, miss == 0 ? 0 : (estimate > b.HighNs ? -miss : miss),
            miss == 0 ? null : $"{label}bracket misses the estimate by {miss / 1e6:0.000} ms");
    };
}
