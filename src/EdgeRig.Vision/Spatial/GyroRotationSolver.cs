using System.Buffers.Binary;
using EdgeRig.Calibration;
using EdgeRig.Calibration.Motion;
using EdgeRig.Core;

namespace EdgeRig.Vision.Spatial;

/// <summary>The camera-IMU rotation (R_camera_imu), the lag of the camera's rates behind the gyro's (fitted with it), the RMS
/// rate residual after the fit, the rate pairs used and the middle principal rate of the motion (how well it excites two axes).</summary>
public sealed record GyroFit(Rotation3 CameraFromImu, double LagNs, double ResidualRadPerS, int Pairs, double SecondAxisRateRadPerS);

/// <summary>
/// Camera-to-IMU rotation while the rig turns in front of a still board: the camera's angular velocity from consecutive board
/// poses (log(R_cb(t1)·R_cb(t2)ᵀ) / dt, in the camera frame) against the gyro's mean rate over the same interval (the gyro
/// interpolated linearly between its samples and integrated over exactly that interval, lag removed). The rotation is Wahba's
/// problem, solved by SVD, and the lag is fitted with it: the motion method's cross-correlation of the rates' magnitudes
/// (which do not depend on the unknown rotation) gives a start, then the lag that minimises the Wahba residual is searched
/// around it. Both matter: 1 ms of lag turns the fitted rotation by about 0.1° on a sway of three sinusoids, and camera rates
/// paired with whole gyro samples (a 5 ms grid) moved it in steps of 0.3°.
/// </summary>
public static class GyroRotationSolver
{
    /// <summary>Why a fit could not be made: the motion did not determine the rotation.</summary>
    public sealed class MotionTooSmallException(string message) : Exception(message);

    /// <summary>How far either side of the start the lag is searched, ns.</summary>
    public const double LagSearchNs = 50e6;

    /// <param name="startLagNs">where the lag search starts (e.g. the profile's time offsets); null: the cross-correlation's peak.</param>
    /// <exception cref="MotionTooSmallException">the rig never turned fast enough, or turned about fewer than two axes.</exception>
    public static GyroFit Solve(IReadOnlyList<BoardPose> poses, IReadOnlyList<Sample> imu, RigTime origin, double framePeriodNs, double minRateRadPerS, double? startLagNs = null)
    {
        var gyro = imu.Where(s => s.Payload.Length >= 24).OrderBy(s => s.Rig.Time)
            .Select(s => (T: (double)(s.Rig.Time - origin).Nanoseconds, W: new Vec3(Read(s, 3), Read(s, 4), Read(s, 5)))).ToArray();
        var turning = gyro.Where(g => g.W.Length >= minRateRadPerS).ToArray();
        if (turning.Length < 20)
            throw new MotionTooSmallException($"motion too small: the gyro never turned faster than {minRateRadPerS} rad/s for long (turn the rig, board held still, about two or more axes)");
        double from = turning[0].T, to = turning[^1].T;

        var cameraRates = new List<CameraRate>();
        for (int i = 1; i < poses.Count; i++)
        {
            var (a, b) = (poses[i - 1], poses[i]);
            double dt = b.TimeNs - a.TimeNs;
            if (dt <= 0 || dt > 2.5 * framePeriodNs || a.TimeNs < from || b.TimeNs > to) continue;
            var delta = a.CameraFromBoard.Rotation * b.CameraFromBoard.Rotation.Inverse();
            cameraRates.Add(new(a.TimeNs, b.TimeNs, 1e9 / dt * delta.ToRotationVector()));
        }
        if (cameraRates.Count < 20)
            throw new MotionTooSmallException($"motion too small: only {cameraRates.Count} pairs of board views while the rig turned (need 20; keep the whole board in view while turning)");

        double lagNs = startLagNs ?? CrossCorrelationLag(gyro, cameraRates, from, to);
        var series = new GyroSeries(gyro);
        var pairs = series.Pairs(cameraRates, lagNs);
        var scatter = new double[3, 3];
        foreach (var (_, g, _) in pairs)
        {
            double[] gv = [g.X, g.Y, g.Z];
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++) scatter[i, j] += gv[i] * gv[j] / pairs.Count;
        }
        double secondAxis = Math.Sqrt(Math.Max(0, LinearAlgebra.SymmetricEigenvalues(scatter)[1]));
        if (secondAxis < minRateRadPerS)
            throw new MotionTooSmallException($"motion too small: the rig turned about one axis only (second axis {secondAxis:0.000} rad/s RMS, need {minRateRadPerS}); a rotation about one axis leaves the camera-IMU rotation undetermined");

        // twice: the outliers at the start's lag may not be those at the fitted one
        foreach (double window in (double[])[LagSearchNs, LagSearchNs / 5])
        {
            var inliers = Inliers(series.Pairs(cameraRates, lagNs));
            var kept = cameraRates.Where((_, i) => inliers.Contains(i)).ToList();
            lagNs = MinimiseLag(lag => Fit(series.Pairs(kept, lag)).SquaredResidual, lagNs - window, lagNs + window);
        }
        var final = Inliers(series.Pairs(cameraRates, lagNs));
        var fit = Fit(series.Pairs([.. cameraRates.Where((_, i) => final.Contains(i))], lagNs));
        return new GyroFit(fit.Rotation, lagNs, Math.Sqrt(fit.SquaredResidual / fit.Pairs), fit.Pairs, secondAxis);
    }

    /// <summary>The camera's mean rate over [T1, T2] (ns since the origin, camera time), camera frame.</summary>
    private readonly record struct CameraRate(double T1, double T2, Vec3 W);

    /// <summary>The cross-correlation's lag of the camera rates' magnitudes behind the gyro's (0 when the peak is weak).</summary>
    private static double CrossCorrelationLag((double T, Vec3 W)[] gyro, List<CameraRate> cameraRates, double from, double to)
    {
        var gyroMagnitude = new RateSeries([.. gyro.Select(g => g.T)], [.. gyro.Select(g => g.W.Length)]);
        var cameraMagnitude = new RateSeries([.. cameraRates.Select(c => (c.T1 + c.T2) / 2)], [.. cameraRates.Select(c => c.W.Length)]);
        var lag = RateCrossCorrelation.Estimate(gyroMagnitude, cameraMagnitude, from + 100e6, to - 100e6, -100e6, 100e6, 1e6);
        return lag is { Correlation: > 0.5 } l ? l.LagNs : 0;
    }

    /// <summary>Indices (into the camera rates) of the pairs within 3 median residuals of a first fit: one bad board pose makes a wild camera rate.</summary>
    private static HashSet<int> Inliers(List<(Vec3 Camera, Vec3 Gyro, int Index)> pairs)
    {
        var rotation = Fit(pairs).Rotation;
        double cut = 3 * RobustStatistics.Median([.. pairs.Select(p => (p.Camera - rotation.Apply(p.Gyro)).Length)]);
        return [.. pairs.Where(p => (p.Camera - rotation.Apply(p.Gyro)).Length <= cut).Select(p => p.Index)];
    }

    /// <summary>Wahba by SVD: B = Σ camera·gyroᵀ, the rotation maximising Σ camera·(R gyro) is B's nearest rotation; and Σ|camera - R gyro|².</summary>
    private static (Rotation3 Rotation, double SquaredResidual, int Pairs) Fit(List<(Vec3 Camera, Vec3 Gyro, int Index)> pairs)
    {
        var b = new double[3, 3];
        foreach (var (c, g, _) in pairs)
        {
            double[] cv = [c.X, c.Y, c.Z], gv = [g.X, g.Y, g.Z];
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++) b[i, j] += cv[i] * gv[j];
        }
        var rotation = LinearAlgebra.NearestRotation(b);
        return (rotation, pairs.Sum(p => Math.Pow((p.Camera - rotation.Apply(p.Gyro)).Length, 2)), pairs.Count);
    }

    /// <summary>The lag in [lo, hi] minimising <paramref name="cost"/>: the best of a 1 ms grid, then golden-section search within a step of it.</summary>
    private static double MinimiseLag(Func<double, double> cost, double lo, double hi)
    {
        const double step = 1e6;
        double best = lo, bestCost = double.PositiveInfinity;
        for (double lag = lo; lag <= hi; lag += step)
        {
            double c = cost(lag);
            if (c < bestCost) (best, bestCost) = (lag, c);
        }
        double a = best - step, d = best + step, ratio = (Math.Sqrt(5) - 1) / 2;
        double x1 = d - ratio * (d - a), x2 = a + ratio * (d - a), c1 = cost(x1), c2 = cost(x2);
        while (d - a > 1e4)
        {
            if (c1 < c2)
            {
                (d, x2, c2) = (x2, x1, c1);
                x1 = d - ratio * (d - a);
                c1 = cost(x1);
            }
            else
            {
                (a, x1, c1) = (x1, x2, c2);
                x2 = a + ratio * (d - a);
                c2 = cost(x2);
            }
        }
        return (a + d) / 2;
    }

    /// <summary>The gyro's rates in time order, linear between samples.</summary>
    private sealed class GyroSeries((double T, Vec3 W)[] samples)
    {
        private readonly double[] _times = [.. samples.Select(s => s.T)];

        /// <summary>(camera rate, the gyro's mean rate over its interval moved earlier by the lag, the rate's index); rates outside the gyro's span are left out.</summary>
        public List<(Vec3 Camera, Vec3 Gyro, int Index)> Pairs(IReadOnlyList<CameraRate> rates, double lagNs)
        {
            var pairs = new List<(Vec3, Vec3, int)>(rates.Count);
            for (int i = 0; i < rates.Count; i++)
                if (Mean(rates[i].T1 - lagNs, rates[i].T2 - lagNs) is { } mean) pairs.Add((rates[i].W, mean, i));
            return pairs;
        }

        /// <summary>The mean of the piecewise-linear rate over [a, b] (trapezoids), or null outside the samples.</summary>
        private Vec3? Mean(double a, double b)
        {
            int first = LowerBound(_times, a), last = LowerBound(_times, b);
            if (first == 0 || last >= _times.Length || b <= a) return null;
            var sum = Vec3.Zero;
            double t = a;
            var w = At(a, first);
            for (int k = first; k < last; k++)
            {
                sum += 0.5 * (samples[k].T - t) * (w + samples[k].W);
                (t, w) = (samples[k].T, samples[k].W);
            }
            sum += 0.5 * (b - t) * (w + At(b, last));
            return 1 / (b - a) * sum;
        }

        /// <summary>The rate at t, with samples[k - 1].T &lt; t ≤ samples[k].T.</summary>
        private Vec3 At(double t, int k)
        {
            var (t0, w0) = samples[k - 1];
            var (t1, w1) = samples[k];
            return w0 + (t - t0) / (t1 - t0) * (w1 - w0);
        }
    }

    private static double Read(Sample s, int axis) => BinaryPrimitives.ReadSingleLittleEndian(s.Payload.Span[(axis * 4)..]);

    private static int LowerBound(double[] sorted, double value)
    {
        int i = Array.BinarySearch(sorted, value);
        return i >= 0 ? i : ~i;
    }
}
