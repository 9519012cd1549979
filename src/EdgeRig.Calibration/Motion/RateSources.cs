using EdgeRig.Core;

namespace EdgeRig.Calibration.Motion;

/// <summary>Angular rate signals from each modality: the gyro directly, a LIDAR by scan matching (a camera's by optical flow: <see cref="ICameraYawRate"/>).</summary>
public static class RateSources
{
    /// <summary>One gyro axis (3 gx, 4 gy, 5 gz; rad/s) at each IMU sample's rig time.</summary>
    public static RateSeries Gyro(IReadOnlyList<Sample> imu, RigTime origin, int axis = 5)
    {
        var values = Payloads.ImuAxis(imu.OrderBy(s => s.Rig.Time), axis, origin);
        return new RateSeries(values.Select(v => v.TimeNs).ToArray(), values.Select(v => v.Value).ToArray());
    }

    /// <summary>
    /// Yaw rate seen by a 2-D LIDAR: each scan's ranges binned by bearing; the bearing shift that best matches consecutive scans
    /// (least mean squared range difference) found first for the whole scan, then refined locally around each feature (a bin
    /// where the range changes steeply with bearing: a target's edge, a corner) with a parabola through the local misfit. A
    /// turning rig sees each feature at its own time within a scan, so every feature gives its own rate sample, stamped at the
    /// mean time of its bins in the two scans: one stamp per scan would have to guess which features decided its shift, and that
    /// guess mistimes it by milliseconds depending on the scene.
    /// </summary>
    public static RateSeries LidarYaw(IReadOnlyList<Sample> scans, RigTime origin, int bins = 360, double maxShiftRad = 0.5)
    {
        var samples = new List<(double T, double Rate)>();
        double[]? previous = null, previousTimes = null;
        foreach (var scan in scans.OrderBy(s => s.Rig.Time))
        {
            var points = Payloads.LidarPoints(scan, origin).ToList();
            if (points.Count == 0) continue;
            int n = bins, maxShift = (int)(maxShiftRad / (2 * Math.PI) * n);
            var (profile, binTimes) = Binned(points, n);
            if (previous is not null && previous.Length != n) previous = null;
            if (previous is not null && previousTimes is not null)
            {
                var msd = Enumerable.Range(-maxShift, 2 * maxShift + 1).Select(s => MeanSquaredDifference(profile, previous, s, 0, n)).ToArray();
                int global = Array.IndexOf(msd, msd.Min()) - maxShift;
                samples.AddRange(FeatureRates(profile, binTimes, previous, previousTimes, global));
            }
            (previous, previousTimes) = (profile, binTimes);
        }
        samples.Sort((a, b) => a.T.CompareTo(b.T));
        return new RateSeries(samples.Select(x => x.T).ToArray(), samples.Select(x => x.Rate).ToArray());
    }

    /// <summary>Half-width (bins) of the window matched around each feature.</summary>
    private const int FeatureHalfWidth = 6;

    /// <summary>A feature's range step across its neighbours must exceed this (m) to be matched on its own.</summary>
    private const double FeatureGradientM = 0.05;

    /// <summary>One rate sample per feature of the current scan: its local shift from the previous scan over its own times there.</summary>
    private static IEnumerable<(double T, double Rate)> FeatureRates(double[] current, double[] currentTimes, double[] previous, double[] previousTimes, int global)
    {
        int n = current.Length, h = FeatureHalfWidth;
        var gradient = new double[n];
        for (int i = 1; i < n - 1; i++)
            gradient[i] = double.IsNaN(current[i + 1]) || double.IsNaN(current[i - 1]) ? 0 : Math.Abs(current[i + 1] - current[i - 1]);
        for (int c = h + 4; c < n - h - 4; c++)
        {
            if (gradient[c] < FeatureGradientM) continue;
            bool peak = true;
            for (int j = c - h; j <= c + h && peak; j++)
                if (gradient[j] > gradient[c] || (gradient[j] == gradient[c] && j < c)) peak = false;
            if (!peak) continue;
            var msd = Enumerable.Range(global - 4, 9).Select(s => MeanSquaredDifference(current, previous, s, c - h, c + h + 1)).ToArray();
            int best = Array.IndexOf(msd, msd.Min());
            if (best == 0 || best == msd.Length - 1 || msd[best - 1] == double.MaxValue || msd[best + 1] == double.MaxValue) continue;
            double curvature = msd[best - 1] - 2 * msd[best] + msd[best + 1];
            if (curvature <= 0) continue;
            int shift = global - 4 + best;
            double refine = 0.5 * (msd[best - 1] - msd[best + 1]) / curvature;
            double t0 = 0, t1 = 0;
            int k = 0;
            for (int b = c - h; b <= c + h; b++)
            {
                if (b + shift < 0 || b + shift >= n || double.IsNaN(currentTimes[b]) || double.IsNaN(previousTimes[b + shift])) continue;
                t0 += previousTimes[b + shift]; t1 += currentTimes[b]; k++;
            }
            if (k == 0) continue;
            (t0, t1) = (t0 / k, t1 / k);
            if (t1 <= t0) continue;
            yield return ((t0 + t1) / 2, (shift + refine) * 2 * Math.PI / n / ((t1 - t0) / 1e9));
        }
    }

    private static (double[] Ranges, double[] Times) Binned(List<Payloads.LidarPoint> points, int bins)
    {
        var sum = new double[bins];
        var time = new double[bins];
        var count = new int[bins];
        foreach (var p in points)
        {
            if (p.RangeM <= 0 || double.IsNaN(p.RangeM)) continue;
            double a = p.AngleRad % (2 * Math.PI);
            if (a < 0) a += 2 * Math.PI;
            int b = Math.Min(bins - 1, (int)(a / (2 * Math.PI) * bins));
            sum[b] += p.RangeM; time[b] += p.TimeNs; count[b]++;
        }
        return (sum.Select((s, i) => count[i] == 0 ? double.NaN : s / count[i]).ToArray(),
            time.Select((t, i) => count[i] == 0 ? double.NaN : t / count[i]).ToArray());
    }

    /// <summary>
    /// Mean of (current(b) - previous(b + shift))² over bins b in [from, to) where both have a range; double.MaxValue when
    /// fewer than a quarter of them do. Pairs across the scan's seam (angle 0) are left out: there the two points are two scan
    /// periods (or none) apart, not one.
    /// </summary>
    private static double MeanSquaredDifference(double[] current, double[] previous, int shift, int from, int to)
    {
        int n = current.Length, used = 0;
        double sum = 0;
        for (int b = from; b < to; b++)
        {
            if (b + shift < 0 || b + shift >= n) continue;
            double c = current[b], p = previous[b + shift];
            if (double.IsNaN(c) || double.IsNaN(p)) continue;
            sum += (c - p) * (c - p); used++;
        }
        return used < (to - from) / 4 ? double.MaxValue : sum / used;
    }
}
