using EdgeRig.Core;

namespace EdgeRig.Calibration;

/// <summary>How one event (a stimulus, or a motion segment) contributed to a stream's offset estimate.</summary>
/// <param name="ResidualNs">This event's own offset minus the stream's estimate; null when the event gave none.</param>
/// <param name="RejectedBecause">Null when the event was used; otherwise why it was left out.</param>
public sealed record EventContribution(int Number, RigTime Reference, double? ResidualNs, string? RejectedBecause)
{
    public bool Used => RejectedBecause is null;
}

/// <summary>
/// The fixed latency of one stream as calibration measured it: rig time of a sample minus the physical moment it describes
/// (cameras: the start of the exposure), with a 95 % confidence interval, per-event residuals and what was left out.
/// </summary>
public sealed record StreamOffset(
    string Stream,
    string Method,
    double OffsetNs,
    double CiLowNs,
    double CiHighNs,
    IReadOnlyList<EventContribution> Events,
    string? FailedBecause)
{
    public bool Succeeded => FailedBecause is null;
    public int EventsUsed => Events.Count(e => e.Used);
    public int EventsRejected => Events.Count(e => !e.Used);
    public double CiHalfWidthNs => (CiHighNs - CiLowNs) / 2;

    /// <summary>Root mean square of the used events' residuals, ns (0 when there are none).</summary>
    public double ResidualRmsNs
    {
        get
        {
            var r = Events.Where(e => e.Used && e.ResidualNs is not null).Select(e => e.ResidualNs!.Value).ToList();
            return r.Count == 0 ? 0 : Math.Sqrt(r.Sum(x => x * x) / r.Count);
        }
    }

    public static StreamOffset Failed(string stream, string method, IReadOnlyList<EventContribution> events, string why) =>
        new(stream, method, double.NaN, double.NaN, double.NaN, events, why);

    public override string ToString() => Succeeded
        ? $"{Stream} ({Method}): {OffsetNs / 1e6:0.000} ms [{CiLowNs / 1e6:0.000}, {CiHighNs / 1e6:0.000}], {EventsUsed} used, {EventsRejected} rejected, residual rms {ResidualRmsNs / 1e3:0.0} us"
        : $"{Stream} ({Method}): failed: {FailedBecause}";
}
