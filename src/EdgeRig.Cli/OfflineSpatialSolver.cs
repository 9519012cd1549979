using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using EdgeRig.Calibration;
using EdgeRig.Calibration.Profiles;
using EdgeRig.Calibration.Stimulus;
using EdgeRig.Core;

namespace EdgeRig.Cli;

/// <summary>What an offline spatial solve found, in the CLI's own terms (the solver's types stay in its own load context).</summary>
internal sealed record OfflineSpatialResult(SpatialCalibration Section, IReadOnlyList<(string Name, string Stream, string Message)> Failures, double ImuLagNs, bool Passed,
    IReadOnlyList<ChunkProblem> Damaged);

/// <summary>
/// Spatial calibration of a pulled folder without a rig. The solver needs OpenCV, which the CLI does not carry: it is loaded
/// from the service's install beside the CLI (/opt/edgerig/service, or the in-tree service build; EDGERIG_SERVICE_DIR
/// overrides), EdgeRig.Vision with OpenCvSharp and its native library, in a load context of its own. Missing, it says which
/// library and how to get it, as every optional native feature does.
/// </summary>
internal static class OfflineSpatialSolver
{
    private const string VisionAssembly = "EdgeRig.Vision";

    public static OfflineSpatialResult Solve(ISessionSource session, RigProfile rig, string referenceStream)
    {
        string dir = ServiceDirectory() ?? throw new InvalidOperationException(
            $"unavailable: {VisionAssembly}.dll not found beside the CLI's service install (set EDGERIG_SERVICE_DIR to the edgerig-service folder); " +
            $"offline spatial calibration also needs {NativeLibraries.OpenCv.Library} ({NativeLibraries.OpenCv.HowToGet})");
        var context = new ServiceLibraries(dir);
        var vision = context.LoadFromAssemblyPath(Path.Combine(dir, VisionAssembly + ".dll"));
        var calibrator = vision.GetType("EdgeRig.Vision.Spatial.SpatialCalibrator", throwOnError: true)!;
        var optionsType = vision.GetType("EdgeRig.Vision.Spatial.SpatialRunOptions", throwOnError: true)!;
        var options = Activator.CreateInstance(optionsType)!;
        if (referenceStream.Length > 0) optionsType.GetProperty("ReferenceStream")!.SetValue(options, referenceStream);
        var calibrate = calibrator.GetMethod("Calibrate", [typeof(IReadOnlyList<RecordedStream>), typeof(RigProfile), optionsType])!;
        var (streams, damaged) = SessionStreams.Read(session);
        object report;
        try
        {
            report = calibrate.Invoke(null, [streams, rig, options])!;
        }
        catch (TargetInvocationException e) when (e.InnerException is { } inner)
        {
            throw NativeLibraries.UnavailableReason(inner) is { } missing ? new InvalidOperationException(missing, inner) : inner;
        }
        T Get<T>(object o, string name) => (T)o.GetType().GetProperty(name)!.GetValue(o)!;
        var failures = Get<System.Collections.IEnumerable>(report, "Failures").Cast<object>()
            .Select(f => (Get<string>(f, "Name"), Get<string>(f, "Stream"), Get<string>(f, "Message"))).ToList();
        var section = new SpatialCalibration(Get<string>(report, "ReferenceStream"), Get<IReadOnlyList<CameraLensCalibration>>(report, "Cameras"),
            Get<IReadOnlyList<SensorFrameCalibration>>(report, "Frames"));
        return new OfflineSpatialResult(section, failures, Get<double>(report, "ImuLagNs"), Get<bool>(report, "Passed"), damaged);
    }

    /// <summary>The first folder holding the solver: EDGERIG_SERVICE_DIR, the installed service beside the CLI, the in-tree build.</summary>
    private static string? ServiceDirectory()
    {
        var cli = new DirectoryInfo(AppContext.BaseDirectory); // in the tree: src/EdgeRig.Cli/bin/CONFIGURATION/net10.0
        string?[] candidates =
        [
            Environment.GetEnvironmentVariable("EDGERIG_SERVICE_DIR"),
            cli.FullName,
            Path.Combine(cli.FullName, "..", "service"),
            Path.Combine(cli.FullName, "..", "..", "..", "..", "EdgeRig.Service", "bin", cli.Parent?.Name ?? "Release", cli.Name),
        ];
        return candidates.Where(d => !string.IsNullOrEmpty(d)).Select(d => Path.GetFullPath(d!))
            .FirstOrDefault(d => File.Exists(Path.Combine(d, VisionAssembly + ".dll")));
    }

    /// <summary>The service's assemblies the CLI lacks (the solver, OpenCvSharp) and their native libraries; the ones the CLI ships
    /// itself (Core, Calibration) come from the CLI, so the types the solver takes and returns are the CLI's own.</summary>
    private sealed class ServiceLibraries(string dir) : AssemblyLoadContext("edgerig-service-libraries")
    {
        protected override Assembly? Load(AssemblyName name)
        {
            try
            {
                return Default.LoadFromAssemblyName(name); // one the CLI ships itself
            }
            catch (FileNotFoundException)
            {
            }
            string path = Path.Combine(dir, name.Name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }

        protected override IntPtr LoadUnmanagedDll(string name)
        {
            foreach (string folder in new[] { dir, Path.Combine(dir, "runtimes", RuntimeInformation.RuntimeIdentifier, "native"), Path.Combine(dir, "runtimes", $"linux-{RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()}", "native") })
                foreach (string file in new[] { name, $"lib{name}.so", $"{name}.so" })
                    if (File.Exists(Path.Combine(folder, file)) && NativeLibrary.TryLoad(Path.Combine(folder, file), out var handle)) return handle;
            return IntPtr.Zero;
        }
    }
}
