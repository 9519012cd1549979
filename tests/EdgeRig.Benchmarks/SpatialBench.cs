using System.Diagnostics;
using EdgeRig.Vision.Spatial;
using EdgeRig.Vision.Tests.Spatial;

namespace EdgeRig.Benchmarks;

/// <summary>
/// `spatial`: spatial calibration (issue #19) on the simulated spatial rig (hardware/rigs/sim-spatial.json: two distorted
/// cameras, a LIDAR and an IMU mounted off-axis, a 9x6 board held at 22 positions, then a 10 s sway of the rig), recorded in
/// virtual time per world seed and solved by <see cref="SpatialCalibrator"/>. Each figure is the solve's distance from the rig
/// file's truth, worst over seeds (and median), against the goal as baseline: focal length 0.2 %, principal point
/// 1 px, reprojection RMS 0.3 px, camera-LIDAR 0.2° / 5 mm, camera-IMU 0.5°, stereo baseline 1 mm, over the seeds whose solve
/// passed; the seeds that failed are a row of their own. Then the seconds a solve takes against the seconds recorded.
/// </summary>
public static class SpatialBench
{
    public static void Run(string root, int seeds, BenchResults results)
    {
        var errors = new List<SpatialSessions.Errors>();
        var compute = new List<double>();
        var recorded = new List<double>();
        int failed = 0;
        for (int seed = 1; seed <= seeds; seed++)
        {
            var rig = SpatialSessions.Rig(root, seed);
            var streams = SpatialSessions.Record(rig);
            recorded.Add(streams.Max(s => s.Samples.Count == 0 ? 0 : (s.Samples[^1].Rig.Time - s.Samples[0].Rig.Time).TotalSeconds));
            var sw = Stopwatch.StartNew();
            var report = SpatialCalibrator.Calibrate(streams, rig);
            compute.Add(sw.Elapsed.TotalSeconds);
            foreach (var f in report.Failures) Console.Error.WriteLine($"spatial: seed {seed} failed: {f}");
            if (!report.Passed)
            {
                failed++;
                continue;
            }
            var e = SpatialSessions.Compare(report, rig);
            Console.Error.WriteLine($"spatial: seed {seed} focal {e.FocalPercent:0.000} %, pp {e.PrincipalPointPx:0.00} px, rms {e.RmsPx:0.000} px, " +
                $"lidar {e.LidarRotationDeg:0.000} deg / {e.LidarTranslationMm:0.00} mm, imu {e.ImuRotationDeg:0.000} deg, baseline {e.BaselineMm:0.000} mm, solve {compute[^1]:0.0} s");
            errors.Add(e);
        }
        if (errors.Count == 0) throw new InvalidOperationException($"spatial: the solve failed on every one of {seeds} seeds");
        var goals = SpatialSessions.Goals;
        void Row(string metric, Func<SpatialSessions.Errors, double> value, string unit)
        {
            var values = errors.Select(value).Order().ToList();
            results.Add("spatial", $"{metric}.max", values[^1], unit, value(goals));
            results.Add("spatial", $"{metric}.median", values[values.Count / 2], unit, value(goals));
        }
        Row("focal_error", e => e.FocalPercent, "%");
        Row("principal_point_error", e => e.PrincipalPointPx, "px");
        Row("reprojection_rms", e => e.RmsPx, "px");
        Row("cam_lidar_rotation", e => e.LidarRotationDeg, "deg");
        Row("cam_lidar_translation", e => e.LidarTranslationMm, "mm");
        Row("cam_imu_rotation", e => e.ImuRotationDeg, "deg");
        Row("stereo_baseline", e => e.BaselineMm, "mm");
        results.Add("spatial", "failed_seeds", failed, "seeds", seeds);
        results.Add("spatial", "run.compute_seconds", compute.Order().ElementAt(compute.Count / 2), "s", recorded.Order().ElementAt(recorded.Count / 2));
    }
}
