using System.Runtime.InteropServices;
using EdgeRig.Core;
using OpenCvSharp;

namespace EdgeRig.Calibration.Motion;

/// <summary>Angular rate signals from each modality: the gyro directly, a camera by optical flow, a LIDAR by scan matching.</summary>
public static class RateSources
{
    /// <summary>One gyro axis (3 gx, 4 gy, 5 gz; rad/s) at each IMU sample's rig time.</summary>
    public static RateSeries Gyro(IReadOnlyList<Sample> imu, RigTime origin, int axis = 5)
    {
        var values = Payloads.ImuAxis(imu.OrderBy(s => s.Rig.Time), axis, origin);
        return new RateSeries(values.Select(v => v.TimeNs).ToArray(), values.Select(v => v.Value).ToArray());
    }

    /// <summary>
    /// Yaw rate seen by a camera: dense Farneback optical flow between consecutive frames (decoded in grey at a quarter size),
    /// the median horizontal flow in pixels turned into an angle (<paramref name="radiansPerPixel"/> at full size) over the
    /// frames' time difference, at the midpoint of the two frame times. Only the lag matters, so the scale may be rough.
    /// </summary>
    public static RateSeries CameraYaw(IReadOnlyList<Sample> frames, RigTime origin, double radiansPerPixel)
    {
        var times = new List<double>();
        var rates = new List<double>();
        Mat? previous = null;
        double previousTime = 0;
        foreach (var frame in frames.OrderBy(s => s.Rig.Time))
        {
            var grey = Cv2.ImDecode(frame.Payload.Span, ImreadModes.ReducedGrayscale4);
            double t = (frame.Rig.Time - origin).Nanoseconds;
            if (grey.Empty()) { grey.Dispose(); continue; }
            if (previous is not null && previous.Size() == grey.Size())
            {
                using var flow = new Mat();
                Cv2.CalcOpticalFlowFarneback(previous, grey, flow, 0.5, 4, 21, 3, 5, 1.1, OpticalFlowFlags.None);
                double dx = MedianHorizontal(flow);
                times.Add((previousTime + t) / 2);
                rates.Add(-dx * 4 * radiansPerPixel / ((t - previousTime) / 1e9));
            }
            previous?.Dispose();
            (previous, previousTime) = (grey, t);
        }
        previous?.Dispose();
        return new RateSeries([.. times], [.. rates]);
    }

    /// <summary>
    /// Yaw rate seen by a 2-D LIDAR: each scan's ranges binned by bearing, the bearing shift that best matches consecutive
    /// scans (least mean squared range difference, refined by a parabola). Each bin sees the yaw at its own point times, and
    /// bins where the range changes steeply with bearing decide the shift, so the rate is stamped at the bins' times weighted by
    /// the squared range gradient (the information each bin carries about the shift), not at the scan's middle.
    /// </summary>
    public static RateSeries LidarYaw(IReadOnlyList<Sample> scans, RigTime origin, int bins = 360, double maxShiftRad = 0.5)
    {
        var times = new List<double>();
        var rates = new List<double>();
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
                var msd = Enumerable.Range(-maxShift, 2 * maxShift + 1).Select(s => MeanSquaredDifference(profile, previous, s)).ToArray();
                int best = Array.IndexOf(msd, msd.Min());
                double refine = 0;
                if (best > 0 && best < msd.Length - 1 && msd[best - 1] - 2 * msd[best] + msd[best + 1] > 0)
                    refine = 0.5 * (msd[best - 1] - msd[best + 1]) / (msd[best - 1] - 2 * msd[best] + msd[best + 1]);
                double shiftRad = (best - maxShift + refine) * 2 * Math.PI / n;
                var (t0, t1) = GradientWeightedTimes(previous, previousTimes, binTimes, best - maxShift);
                times.Add((t0 + t1) / 2);
                rates.Add(shiftRad / ((t1 - t0) / 1e9));
            }
            (previous, previousTimes) = (profile, binTimes);
        }
        return new RateSeries([.. times], [.. rates]);
    }

    private static double MedianHorizontal(Mat flow)
    {
        var values = new float[flow.Total() * 2];
        using var continuous = flow.IsContinuous() ? null : flow.Clone();
        Marshal.Copy((continuous ?? flow).Data, values, 0, values.Length);
        var dx = new double[values.Length / 2];
        for (int i = 0; i < dx.Length; i++) dx[i] = values[2 * i];
        return RobustStatistics.Median(dx);
    }

    /// <summary>Mean times of matched bins (current b, previous b + shift), weighted by the squared range gradient there.</summary>
    private static (double Previous, double Current) GradientWeightedTimes(double[] previous, double[] previousTimes, double[] currentTimes, int shift)
    {
        int n = previous.Length;
        double w = 0, a = 0, b = 0;
        for (int i = Math.Max(0, -shift) + 1; i < Math.Min(n, n - shift) - 1; i++)
        {
            double g = previous[i + shift + 1] - previous[i + shift - 1];
            if (double.IsNaN(g) || double.IsNaN(currentTimes[i]) || double.IsNaN(previousTimes[i + shift])) continue;
            w += g * g; a += g * g * previousTimes[i + shift]; b += g * g * currentTimes[i];
        }
        return w > 0 ? (a / w, b / w) : (previousTimes.Where(t => !double.IsNaN(t)).Average(), currentTimes.Where(t => !double.IsNaN(t)).Average());
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
    /// Mean of (current(b) - previous(b + shift))² over bins where both have a range. Pairs across the scan's seam (angle 0)
    /// are left out: there the two points are two scan periods (or none) apart, not one.
    /// </summary>
    private static double MeanSquaredDifference(double[] current, double[] previous, int shift)
    {
        int n = current.Length, used = 0;
        double sum = 0;
        for (int b = 0; b < n; b++)
        {
            if (b + shift < 0 || b + shift >= n) continue;
            double c = current[b], p = previous[b + shift];
            if (double.IsNaN(c) || double.IsNaN(p)) continue;
            sum += (c - p) * (c - p); used++;
        }
        return used < n / 4 ? double.MaxValue : sum / used;
    }
}
