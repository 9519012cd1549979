using EdgeRig.Core;

namespace EdgeRig.Calibration.Stimulus;

/// <summary>
/// Times the LIDAR target's range step (its start and, a known time later, its end) using each point's own time within the
/// scan. One edge gives a bracket: after the last point still at the old range and no later than the first at the new one.
/// Only the target sector is looked at, so a bracket is usually a scan period wide; pooled brackets narrow it.
/// </summary>
public static class LidarRangeStepDetector
{
    /// <summary>One timed edge of the range step: its bracket of offsets as measured, or why it gave none.</summary>
    public sealed record Edge(StimulusReference Reference, bool Rising, OffsetBracket? Bracket, string? Rejected);

    public static List<Edge> Detect(IReadOnlyList<Sample> scans, IReadOnlyList<StimulusReference> references, RigTime origin, StimulusOptions o)
    {
        var sector = scans.SelectMany(s => Payloads.LidarPoints(s, origin))
            .Where(p => Math.Abs(Math.IEEERemainder(p.AngleRad - o.LidarTargetBearingRad, 2 * Math.PI)) <= o.LidarTargetHalfWidthRad)
            .Select(p => new TimedValue(p.TimeNs, p.RangeM)).OrderBy(p => p.TimeNs).ToList();
        var edgeTimes = references.SelectMany(r => new[] { (r, Rising: true, T: (double)(r.Time - origin).Nanoseconds),
            (r, Rising: false, T: (double)(r.Time - origin).Nanoseconds + o.RangeStepLength.Nanoseconds) }).ToList();
        var edges = new List<Edge>();
        foreach (var (reference, rising, t) in edgeTimes)
        {
            double from = t + o.MinOffset.Nanoseconds - o.Baseline.Nanoseconds, to = t + o.MaxOffset.Nanoseconds + o.Baseline.Nanoseconds;
            if (edgeTimes.Any(e => e.T != t && e.T > from - o.MaxOffset.Nanoseconds && e.T < to - o.MinOffset.Nanoseconds))
            {
                edges.Add(new Edge(reference, rising, null, "another range step edge too close"));
                continue;
            }
            var (bracket, rejected) = Bracket(sector, t, o);
            edges.Add(new Edge(reference, rising, bracket, rejected));
        }
        return edges;
    }

    private static (OffsetBracket?, string?) Bracket(List<TimedValue> sector, double t, StimulusOptions o)
    {
        double start = t + o.MinOffset.Nanoseconds, end = t + o.MaxOffset.Nanoseconds;
        var before = sector.Where(p => p.TimeNs >= start - o.Baseline.Nanoseconds && p.TimeNs < start).Select(p => p.Value).ToArray();
        var after = sector.Where(p => p.TimeNs > end && p.TimeNs <= end + o.Baseline.Nanoseconds).Select(p => p.Value).ToArray();
        if (before.Length < 3 || after.Length < 3) return (null, "target not seen before and after the window");
        double oldRange = RobustStatistics.Median(before), newRange = RobustStatistics.Median(after);
        double noise = RobustStatistics.ScaledMad(before);
        if (Math.Abs(newRange - oldRange) < Math.Max(6 * noise, 0.02)) return (null, $"no range step ({oldRange:0.000} m -> {newRange:0.000} m)");
        int first = ConstantFractionOnset.LowerBound(sector, start);
        for (int i = first; i < sector.Count && sector[i].TimeNs <= end; i++)
        {
            bool moved = Math.Abs(sector[i].Value - newRange) < Math.Abs(sector[i].Value - oldRange);
            if (!moved) continue;
            if (i == 0) return (null, "no point before the step");
            return (new OffsetBracket(sector[i - 1].TimeNs - t, sector[i].TimeNs - t), null);
        }
        return (null, "the step is not inside the search window");
    }

    /// <summary>
    /// Pools the edges' brackets into the stream's offset (<see cref="BracketPooling"/>). An intersection is decided by its most
    /// extreme brackets, so for the interval each is widened by the full mapping error bound of the scans (which covers >= 99 %
    /// of samples), not by the typical error the averaging estimators allow for.
    /// </summary>
    public static StreamOffset Estimate(string stream, IReadOnlyList<Edge> edges, IReadOnlyList<Sample> scans, StimulusOptions o) =>
        BracketPooling.Estimate(stream, "stimulus/lidar-range-step",
            edges.Select(e => new TimedBracket(e.Reference, e.Rising ? "start" : "end", e.Bracket, e.Rejected)).ToList(),
            3 * StimulusCalibrator.MappingAllowanceNs(scans), "range step edges", o);
}
