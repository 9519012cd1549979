using System.Buffers.Binary;
using EdgeRig.Calibration.Motion;
using EdgeRig.Core;

namespace EdgeRig.Vision.Spatial;

/// <summary>The camera-IMU rotation (R_camera_imu), the lag of the camera's rates behind the gyro's that was removed first, the
/// RMS rate residual after the fit, the rate pairs used and the middle principal rate of the motion (how well it excites two axes).</summary>
public sealed record GyroFit(Rotation3 CameraFromImu, double LagNs, double ResidualRadPerS, int Pairs, double SecondAxisRateRadPerS);

/// <summary>
/// Camera-to-IMU rotation while the rig turns in front of a still board: the camera's angular velocity from consecutive board
/// poses (log(R_cb(t1)·R_cb(t2)ᵀ) / dt, in the camera frame) against the gyro's mean rate over the same interval. The two
/// streams are first aligned in time by the motion method's cross-correlation, on the rates' magnitudes (which do not depend
/// on the unknown rotation); the rotation is then Wahba's problem, solved by SVD.
/// </summary>
public static class GyroRotationSolver
{
    /// <summary>Why a fit could not be made: the motion did not determine the rotation.</summary>
    public sealed class MotionTooSmallException(string message) : Exception(message);

    /// <exception cref="MotionTooSmallException">the rig never turned fast enough, or turned about fewer than two axes.</exception>
    public static GyroFit Solve(IReadOnlyList<BoardPose> poses, IReadOnlyList<Sample> imu, RigTime origin, double framePeriodNs, double minRateRadPerS)
    {
        var gyro = imu.Where(s => s.Payload.Length >= 24).OrderBy(s => s.Rig.Time)
            .Select(s => (T: (double)(s.Rig.Time - origin).Nanoseconds, W: new Vec3(Read(s, 3), Read(s, 4), Read(s, 5)))).ToArray();
        var turning = gyro.Where(g => g.W.Length >= minRateRadPerS).ToArray();
        if (turning.Length < 20)
            throw new MotionTooSmallException($"motion too small: the gyro never turned faster than {minRateRadPerS} rad/s for long (turn the rig, board held still, about two or more axes)");
        double from = turning[0].T, to = turning[^1].T;

        var cameraRates = new List<(double T1, double T2, Vec3 W)>();
        for (int i = 1; i < poses.Count; i++)
        {
            var (a, b) = (poses[i - 1], poses[i]);
            double dt = b.TimeNs - a.TimeNs;
            if (dt <= 0 || dt > 2.5 * framePeriodNs || a.TimeNs < from || b.TimeNs > to) continue;
            var delta = a.CameraFromBoard.Rotation * b.CameraFromBoard.Rotation.Inverse();
            cameraRates.Add((a.TimeNs, b.TimeNs, 1e9 / dt * delta.ToRotationVector()));
        }
        if (cameraRates.Count < 20)
            throw new MotionTooSmallException($"motion too small: only {cameraRates.Count} pairs of board views while the rig turned (need 20; keep the whole board in view while turning)");

        var gyroMagnitude = new RateSeries([.. gyro.Select(g => g.T)], [.. gyro.Select(g => g.W.Length)]);
        var cameraMagnitude = new RateSeries([.. cameraRates.Select(c => (c.T1 + c.T2) / 2)], [.. cameraRates.Select(c => c.W.Length)]);
        var lag = RateCrossCorrelation.Estimate(gyroMagnitude, cameraMagnitude, from + 100e6, to - 100e6, -100e6, 100e6, 1e6);
        double lagNs = lag is { Correlation: > 0.5 } l ? l.LagNs : 0;

        var times = gyro.Select(g => g.T).ToArray();
        var pairs = new List<(Vec3 Camera, Vec3 Gyro)>();
        foreach (var (t1, t2, w) in cameraRates)
        {
            int lo = LowerBound(times, t1 - lagNs), hi = LowerBound(times, t2 - lagNs);
            if (hi - lo < 1) continue;
            var sum = Vec3.Zero;
            for (int k = lo; k < hi; k++) sum += gyro[k].W;
            pairs.Add((w, 1.0 / (hi - lo) * sum));
        }
        var scatter = new double[3, 3];
        foreach (var (_, g) in pairs)
        {
            double[] gv = [g.X, g.Y, g.Z];
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++) scatter[i, j] += gv[i] * gv[j] / pairs.Count;
        }
        var cross = Cross(pairs);
        double secondAxis = Math.Sqrt(Math.Max(0, LinearAlgebra.SymmetricEigenvalues(scatter)[1]));
        if (secondAxis < minRateRadPerS)
            throw new MotionTooSmallException($"motion too small: the rig turned about one axis only (second axis {secondAxis:0.000} rad/s RMS, need {minRateRadPerS}); a rotation about one axis leaves the camera-IMU rotation undetermined");
        var rotation = LinearAlgebra.NearestRotation(cross);
        // one bad board pose makes a wild camera rate: refit without pairs far off the first fit (over 3 median residuals)
        double cut = 3 * Calibration.RobustStatistics.Median([.. pairs.Select(p => (p.Camera - rotation.Apply(p.Gyro)).Length)]);
        var kept = pairs.Where(p => (p.Camera - rotation.Apply(p.Gyro)).Length <= cut).ToList();
        rotation = LinearAlgebra.NearestRotation(Cross(kept));
        double residual = Math.Sqrt(kept.Average(p => Math.Pow((p.Camera - rotation.Apply(p.Gyro)).Length, 2)));
        return new GyroFit(rotation, lagNs, residual, kept.Count, secondAxis);
    }

    /// <summary>B = Σ camera·gyroᵀ: the rotation maximising Σ camera·(R gyro) is B's nearest rotation (Wahba).</summary>
    private static double[,] Cross(IEnumerable<(Vec3 Camera, Vec3 Gyro)> pairs)
    {
        var b = new double[3, 3];
        foreach (var (c, g) in pairs)
        {
            double[] cv = [c.X, c.Y, c.Z], gv = [g.X, g.Y, g.Z];
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++) b[i, j] += cv[i] * gv[j];
        }
        return b;
    }

    private static double Read(Sample s, int axis) => BinaryPrimitives.ReadSingleLittleEndian(s.Payload.Span[(axis * 4)..]);

    private static int LowerBound(double[] sorted, double value)
    {
        int i = Array.BinarySearch(sorted, value);
        return i >= 0 ? i : ~i;
    }
}
