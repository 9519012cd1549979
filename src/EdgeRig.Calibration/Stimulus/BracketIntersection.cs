namespace EdgeRig.Calibration.Stimulus;

/// <summary>An interval (Low, High] of offsets (ns) that one event says must hold the true offset.</summary>
public readonly record struct OffsetBracket(double LowNs, double HighNs)
{
    public bool Contains(double x) => x > LowNs && x <= HighNs;
    public double DistanceTo(double x) => x <= LowNs ? LowNs - x : x > HighNs ? x - HighNs : 0;
}

/// <summary>
/// Pools brackets from events at random phases: each is as wide as the sampling gap around the event, but their intersection
/// narrows as events accumulate. Robust form: the region covered by the most brackets (ties: the one nearest the median of the
/// bracket midpoints); brackets that miss it are outliers.
/// </summary>
public static class BracketIntersection
{
    public static (double LowNs, double HighNs, int Depth) DeepestRegion(IReadOnlyList<OffsetBracket> brackets)
    {
        if (brackets.Count == 0) throw new ArgumentException("no brackets", nameof(brackets));
        var edges = brackets.SelectMany(b => new[] { b.LowNs, b.HighNs }).Distinct().Order().ToArray();
        double centre = RobustStatistics.Median(brackets.Select(b => (b.LowNs + b.HighNs) / 2).ToArray());
        (double Low, double High, int Depth) best = (edges[0], edges[0], -1);
        for (int i = 0; i + 1 < edges.Length; i++)
        {
            double mid = (edges[i] + edges[i + 1]) / 2;
            int depth = brackets.Count(b => b.Contains(mid));
            bool nearer = Math.Abs(mid - centre) < Math.Abs((best.Low + best.High) / 2 - centre);
            if (depth > best.Depth || (depth == best.Depth && nearer))
                best = (edges[i], edges[i + 1], depth);
        }
        return best;
    }
}
