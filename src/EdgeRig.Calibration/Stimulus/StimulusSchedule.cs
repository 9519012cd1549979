using EdgeRig.Core;

namespace EdgeRig.Calibration.Stimulus;

/// <summary>
/// When a stimulus run fires: a settling time, then each stimulus after a random interval in [min, max] (so each lands at
/// a random phase of every sample clock, which the sub-frame and bracket estimators need), then a tail long enough to see the
/// last one's response (the search window plus the LIDAR step's end).
/// </summary>
public sealed record StimulusSchedule(Duration Settle, IReadOnlyList<Duration> Intervals, Duration Tail)
{
    public static StimulusSchedule Random(int count, double minIntervalSeconds, double maxIntervalSeconds, Random random, StimulusOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var o = options ?? new StimulusOptions();
        var intervals = Enumerable.Range(0, count)
            .Select(_ => Duration.FromSeconds(minIntervalSeconds + (maxIntervalSeconds - minIntervalSeconds) * random.NextDouble())).ToList();
        var tail = o.RangeStepLength + o.MaxOffset + o.Baseline + Duration.FromMilliseconds(300);
        return new StimulusSchedule(o.Baseline - o.MinOffset + Duration.FromMilliseconds(700), intervals, tail);
    }

    /// <summary>How long the run records in all.</summary>
    public Duration Length => Intervals.Aggregate(Settle + Tail, (a, b) => a + b);
}
