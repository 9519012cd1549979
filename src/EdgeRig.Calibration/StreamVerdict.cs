using EdgeRig.Core;

namespace EdgeRig.Calibration;

/// <summary>
/// One stream's result judged against the rig's tolerance (rig file "calibration.tolerance"): it passes when it found enough
/// events (it succeeded) and its 95 % interval's half-width is within the tolerance of its modality.
/// </summary>
public sealed record StreamVerdict(StreamOffset Offset, Modality Modality, double ToleranceNs)
{
    public bool Passed => FailedBecause is null;

    /// <summary>Why the stream fails: its own failure, or an interval wider than the tolerance; null when it passes.</summary>
    public string? FailedBecause => !Offset.Succeeded ? Offset.FailedBecause
        : !(Offset.CiHalfWidthNs <= ToleranceNs) ? $"{Offset.Stream}: 95 % interval ±{Offset.CiHalfWidthNs / 1e6:0.000} ms is wider than the rig's {Modality.ToString().ToLowerInvariant()} tolerance ±{ToleranceNs / 1e6:0.000} ms"
        : null;

    /// <summary>Judges every result; <paramref name="modalityOf"/> gives each stream's modality (streams it does not know are not judged by width).</summary>
    public static IReadOnlyList<StreamVerdict> Judge(IReadOnlyList<StreamOffset> results, Func<string, Modality?> modalityOf, CalibrationTolerance tolerance) =>
        results.Select(r => modalityOf(r.Stream) is { } m
            ? new StreamVerdict(r, m, tolerance.MillisecondsFor(m) * 1e6)
            : new StreamVerdict(r, Modality.Gpio, double.PositiveInfinity)).ToList();
}
