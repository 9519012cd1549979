namespace EdgeRig.Calibration.Motion;

/// <summary>
/// The lag between two rate signals: Pearson correlation of reference(t) with other(t + lag) on a uniform grid, the lag with the
/// largest |correlation| (either sign, since axis conventions differ) found on a coarse grid, then refined by a parabola through
/// the peak and its two neighbours. A positive lag means the other stream's timestamps are later.
/// </summary>
public static class RateCrossCorrelation
{
    /// <summary>One estimate: the lag (ns), the correlation at the peak (signed) and how many grid points overlapped.</summary>
    public readonly record struct LagEstimate(double LagNs, double Correlation, int Points);

    public static LagEstimate? Estimate(RateSeries reference, RateSeries other, double fromNs, double toNs, double minLagNs, double maxLagNs, double stepNs)
    {
        double gapRef = 3 * reference.TypicalStepNs, gapOther = 3 * other.TypicalStepNs;
        var grid = new List<(double T, double R)>();
        for (double t = fromNs; t <= toNs; t += stepNs)
        {
            double r = reference.At(t, gapRef);
            if (!double.IsNaN(r)) grid.Add((t, r));
        }
        int lags = (int)Math.Floor((maxLagNs - minLagNs) / stepNs) + 1;
        var corr = new double[lags];
        var points = new int[lags];
        for (int k = 0; k < lags; k++)
            (corr[k], points[k]) = Pearson(grid, other, minLagNs + k * stepNs, gapOther);
        int best = -1;
        for (int k = 0; k < lags; k++)
            if (!double.IsNaN(corr[k]) && (best < 0 || Math.Abs(corr[k]) > Math.Abs(corr[best]))) best = k;
        if (best < 0) return null;
        double shift = 0;
        if (best > 0 && best < lags - 1 && !double.IsNaN(corr[best - 1]) && !double.IsNaN(corr[best + 1]))
        {
            double a = Math.Abs(corr[best - 1]), b = Math.Abs(corr[best]), c = Math.Abs(corr[best + 1]);
            double denominator = a - 2 * b + c;
            if (denominator < 0) shift = Math.Clamp(0.5 * (a - c) / denominator, -0.5, 0.5);
        }
        return new LagEstimate(minLagNs + (best + shift) * stepNs, corr[best], points[best]);
    }

    private static (double, int) Pearson(List<(double T, double R)> grid, RateSeries other, double lag, double maxGap)
    {
        double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
        int n = 0;
        foreach (var (t, x) in grid)
        {
            double y = other.At(t + lag, maxGap);
            if (double.IsNaN(y)) continue;
            sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y; n++;
        }
        if (n < 10) return (double.NaN, n);
        double cov = sxy - sx * sy / n, vx = sxx - sx * sx / n, vy = syy - sy * sy / n;
        return (vx <= 0 || vy <= 0 ? double.NaN : cov / Math.Sqrt(vx * vy), n);
    }
}
