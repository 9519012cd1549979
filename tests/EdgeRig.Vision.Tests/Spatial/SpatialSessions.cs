using EdgeRig.Calibration.Stimulus;
using EdgeRig.Core;
using EdgeRig.Devices;
using EdgeRig.Devices.Simulation;
using EdgeRig.Timing;
using EdgeRig.Vision.Spatial;

namespace EdgeRig.Vision.Tests.Spatial;

/// <summary>
/// Spatial calibration sessions of the simulated rig (hardware/rigs/sim-spatial.json) recorded in virtual time, and how far a
/// solve lands from the rig file's truth. One source for the tests and `scripts/bench spatial`.
/// </summary>
public static class SpatialSessions
{
    public static string RigPath(string root) => Path.Combine(root, "hardware", "rigs", "sim-spatial.json");

    /// <summary>The repository root (where EdgeRig.sln is), found above the running binaries.</summary>
    public static string Root()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "EdgeRig.sln"))) d = d.Parent;
        return d?.FullName ?? throw new InvalidOperationException("EdgeRig.sln not found above the binaries");
    }

    /// <summary>The rig with the world seed given (noise, clocks and link jitter differ; the truths are the file's).</summary>
    public static RigProfile Rig(string root, int seed) { var rig = Devices.RigFile.Load(RigPath(root)); return rig with { World = rig.World with { Seed = seed } }; }

    /// <summary>The rig time at which <see cref="Record"/>'s world starts its target script: its virtual clock's start.</summary>
    public static RigTime ScriptStart { get; } = new FakeRigClock().RigNow;

    /// <summary>Records the whole script (every keyframe and the sway), as the recorder would store it.</summary>
    public static IReadOnlyList<RecordedStream> Record(RigProfile rig)
    {
        var path = rig.World.Target!.Path;
        using var sim = new VirtualTimeRig(rig, new FakeRigClock());
        sim.StartRecording();
        sim.RunFor(Duration.FromSeconds(path[^1].AtSeconds + path[^1].HoldSeconds + 0.5));
        return [.. sim.StopRecording().Select(r => new RecordedStream(r.Descriptor, r.Samples))];
    }

    /// <summary>A solve's distance from the truth (worst camera where there are several).</summary>
    public sealed record Errors(double FocalPercent, double PrincipalPointPx, double RmsPx, double LidarRotationDeg, double LidarTranslationMm,
        double ImuRotationDeg, double BaselineMm);

    public static Errors Compare(SpatialReport report, RigProfile rig)
    {
        var device = rig.Devices.ToDictionary(d => d.StreamName);
        double focal = 0, pp = 0, rms = 0;
        foreach (var c in report.Cameras)
        {
            var truth = SimulatedGeometry.IntrinsicsOf(device[c.Stream]);
            focal = Math.Max(focal, 100 * Math.Max(Math.Abs(c.Intrinsics.Fx / truth.Fx - 1), Math.Abs(c.Intrinsics.Fy / truth.Fy - 1)));
            pp = Math.Max(pp, Math.Sqrt(Math.Pow(c.Intrinsics.Cx - truth.Cx, 2) + Math.Pow(c.Intrinsics.Cy - truth.Cy, 2)));
            rms = Math.Max(rms, c.ReprojectionRmsPx);
        }
        var reference = SimulatedGeometry.RigFromSensor(device[report.ReferenceStream]);
        // relative to the reference camera: its pose is the anchor, so only the relative poses are measured
        (double Deg, double Mm) Relative(string kind)
        {
            double deg = 0, mm = 0;
            foreach (var f in report.Frames.Where(f => device[f.Stream].Kind == kind && f.Stream != report.ReferenceStream))
            {
                var truth = reference.Inverse() * SimulatedGeometry.RigFromSensor(device[f.Stream]);
                var estimate = reference.Inverse() * f.RigFromSensor.ToTransform();
                deg = Math.Max(deg, truth.Rotation.AngleTo(estimate.Rotation) * 180 / Math.PI);
                mm = Math.Max(mm, kind == "camera" ? Math.Abs(truth.Translation.Length - estimate.Translation.Length) * 1000 : (truth.Translation - estimate.Translation).Length * 1000);
            }
            return (deg, mm);
        }
        var lidar = Relative("lidar");
        return new Errors(focal, pp, rms, lidar.Deg, lidar.Mm, Relative("imu").Deg, Relative("camera").Mm);
    }

    /// <summary>The goals of issue #19, in <see cref="Errors"/>' order.</summary>
    public static readonly Errors Goals = new(0.2, 1, 0.3, 0.2, 5, 0.5, 1);
}
