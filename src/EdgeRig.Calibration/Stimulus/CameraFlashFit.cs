namespace EdgeRig.Calibration.Stimulus;

/// <summary>
/// Sub-frame camera timing from a flash of known length: a frame's brightening is proportional to how much of its exposure
/// overlapped the flash. With offset d (frame rig time minus exposure start), a frame at t relative to the stimulus was
/// exposed over [t - d, t - d + exposure). One gain and one d are fitted by least squares to every frame near every flash;
/// one flash alone is ambiguous (a partly lit frame may sit on the rising or the falling edge), flashes at random phases are not.
/// </summary>
public sealed class CameraFlashFit(double exposureNs, double flashNs)
{
    /// <summary>The brightening of each frame near one stimulus, at frame time minus stimulus time (ns).</summary>
    public sealed record FlashEvent(StimulusReference Reference, double[] FrameTimesNs, double[] Responses);

    private const double GridStepNs = 10_000;

    /// <summary>Fraction of the exposure starting at u (relative to the flash start) that the flash overlapped.</summary>
    public double Overlap(double u) => Math.Max(0, Math.Min(u + exposureNs, flashNs) - Math.Max(u, 0)) / exposureNs;

    /// <summary>Sum of squared misfits at offset d with the gain fitted (non-negative) in closed form, and that gain.</summary>
    public (double Sse, double Gain) Misfit(IReadOnlyList<FlashEvent> events, double d, double? gain = null)
    {
        double rf = 0, ff = 0, rr = 0;
        foreach (var e in events)
            for (int k = 0; k < e.FrameTimesNs.Length; k++)
            {
                double f = Overlap(e.FrameTimesNs[k] - d), r = e.Responses[k];
                rf += r * f; ff += f * f; rr += r * r;
            }
        double a = gain ?? (ff > 0 ? Math.Max(0, rf / ff) : 0);
        return (rr - 2 * a * rf + a * a * ff, a);
    }

    /// <summary>The least-squares offset in [low, high]: a coarse grid, then a fine one around its best point.</summary>
    public (double OffsetNs, double Gain) Fit(IReadOnlyList<FlashEvent> events, double lowNs, double highNs)
    {
        double best = Search(events, lowNs, highNs, 250_000);
        best = Search(events, best - 500_000, best + 500_000, 5_000);
        return (best, Misfit(events, best).Gain);
    }

    /// <summary>
    /// This event's own offset nearest <paramref name="d"/> (within half a frame period): where its misfit, at the common gain,
    /// is least. Misfits within one noise variance (plus one grid step's worth) of the least count as equally good, so a fully lit frame (or none lit)
    /// fits a whole range of offsets; then the residual is the distance from d to that range.
    /// </summary>
    public double Residual(FlashEvent e, double d, double gain, double framePeriodNs, double noise)
    {
        var one = new[] { e };
        var grid = new List<(double D, double Sse)>();
        for (double x = d - framePeriodNs / 2; x <= d + framePeriodNs / 2; x += GridStepNs) grid.Add((x, Misfit(one, x, gain).Sse));
        double min = grid.Min(g => g.Sse), tolerance = noise * noise + Math.Pow(gain * GridStepNs / exposureNs, 2);
        return grid.Where(g => g.Sse <= min + tolerance).MinBy(g => Math.Abs(g.D - d)).D - d;
    }

    private double Search(IReadOnlyList<FlashEvent> events, double low, double high, double step)
    {
        double best = low, bestSse = double.MaxValue;
        for (double d = low; d <= high; d += step)
        {
            double sse = Misfit(events, d).Sse;
            if (sse < bestSse) (best, bestSse) = (d, sse);
        }
        return best;
    }
}
