namespace EdgeRig.Calibration.Motion;

/// <summary>An angular rate (rad/s) over time (ns since an origin rig time), in time order: gyro, camera or LIDAR yaw rate.</summary>
public sealed record RateSeries(double[] TimesNs, double[] Rates)
{
    public int Count => TimesNs.Length;

    /// <summary>Linear interpolation at <paramref name="t"/>; NaN outside the series or across a gap longer than <paramref name="maxGapNs"/>.</summary>
    public double At(double t, double maxGapNs)
    {
        int hi = Array.BinarySearch(TimesNs, t);
        if (hi >= 0) return Rates[hi];
        hi = ~hi;
        if (hi == 0 || hi >= TimesNs.Length) return double.NaN;
        double t0 = TimesNs[hi - 1], t1 = TimesNs[hi];
        if (t1 - t0 > maxGapNs) return double.NaN;
        return Rates[hi - 1] + (Rates[hi] - Rates[hi - 1]) * (t - t0) / (t1 - t0);
    }

    /// <summary>Median spacing of the samples, ns.</summary>
    public double TypicalStepNs => Count < 2 ? double.NaN : RobustStatistics.Median(TimesNs.Zip(TimesNs.Skip(1), (a, b) => b - a).ToArray());
}
