using System.Runtime.InteropServices;
using EdgeRig.Core;

namespace EdgeRig.Service.Native;

/// <summary>One feature that rests on a native library: whether this rig can use it, and if not, the one-line reason.</summary>
public sealed record FeatureState(string Name, bool Available, string Detail);

/// <summary>
/// The native libraries EdgeRig may load, as found on this machine, and the features that rest on them. A library already
/// mapped into the service is reported with the file it came from (and its version where the library tells); one not loaded
/// yet is looked for on disk only, because loading OpenCV costs ~28 MiB of resident memory a rig without OpenCV features
/// should not pay; libturbojpeg (small, and every camera needs it) is loaded to be sure.
/// </summary>
public sealed class NativeLibraryReport(RigProfile rig, FaceDetection faces)
{
    public IReadOnlyList<NativeLibraryState> Libraries() => [Imaging.JpegCodec.Probe(), OpenCv(), State(NativeLibraries.PortAudio), Zstd()];

    /// <summary>libzstd as the MCAP writer loads it (it is small; the first export would load it anyway).</summary>
    private static NativeLibraryState Zstd()
    {
        var info = NativeLibraries.Zstd;
        return new(info.Library, Export.Mcap.McapWriter.NativeZstd, Export.Mcap.McapWriter.ZstdImplementation, info.NeededFor, info.HowToGet);
    }

    /// <summary>OpenCV as loaded, or as the face detector's failed load saw it, or as found on disk.</summary>
    private NativeLibraryState OpenCv()
    {
        var info = NativeLibraries.OpenCv;
        if (NativeLibraryState.LoadedFile(info.Library) is null && !faces.State.Available && faces.State.Detail.Contains(info.Library, StringComparison.Ordinal))
            return new(info.Library, false, "the loader failed: " + faces.State.Detail, info.NeededFor, info.HowToGet);
        return State(info, OpenCvVersion);
    }

    public IReadOnlyList<FeatureState> Features()
    {
        var libraries = Libraries().ToDictionary(l => l.Library);
        FeatureState From(string name, NativeLibraryInfo library, string? whenFound = null) => libraries[library.Library] is { Found: true } l
            ? new(name, true, whenFound ?? l.Detail)
            : new(name, false, libraries[library.Library].Unavailable);
        var features = new List<FeatureState>
        {
            faces.State,
            From("motion calibration (optical flow)", NativeLibraries.OpenCv),
        };
        if (rig.Devices.Any(d => d.Kind == "camera"))
            features.Insert(0, From("camera JPEG (simulated cameras, QA, thumbnails)", NativeLibraries.TurboJpeg));
        if (rig.Devices.Any(d => d.Kind == "microphone" && d.Driver == "portaudio"))
            features.Add(From("microphones (PortAudio)", NativeLibraries.PortAudio));
        return features;
    }

    private static NativeLibraryState State(NativeLibraryInfo info, Func<string>? version = null)
    {
        if (NativeLibraryState.LoadedFile(info.Library) is { } loaded)
            return new(info.Library, true, version is null ? loaded : $"{loaded} ({version()})", info.NeededFor, info.HowToGet);
        if (FindOnDisk(info.Library) is { } path)
            return new(info.Library, true, $"{path} (not loaded: nothing has needed it yet)", info.NeededFor, info.HowToGet);
        return new(info.Library, false, "not found beside edgerig-service or in the system library directories", info.NeededFor, info.HowToGet);
    }

    private static string OpenCvVersion() => "OpenCV " + OpenCvSharp.Cv2.GetVersionString();

    /// <summary>Where the loader would look: beside the service (and its runtimes/RID/native folder), LD_LIBRARY_PATH, the
    /// multiarch and plain system library directories.</summary>
    private static string? FindOnDisk(string library)
    {
        string file = library.Contains(".so", StringComparison.Ordinal) ? library : $"lib{library}.so";
        string rid = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";
        string triplet = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
        var directories = new List<string> { AppContext.BaseDirectory, Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native") };
        directories.AddRange((Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries));
        directories.AddRange([$"/lib/{triplet}", $"/usr/lib/{triplet}", "/usr/local/lib", "/usr/lib", "/lib"]);
        return directories.Select(d => Path.Combine(d, file)).FirstOrDefault(File.Exists);
    }
}
