using System.Reflection;
using System.Runtime.InteropServices;

namespace EdgeRig.Core;

/// <summary>
/// Whether one optional native library loads on this machine, what needs it and how to get it. The appliance starts without
/// any of them; a feature whose library is missing says <see cref="Unavailable"/> instead of crashing.
/// </summary>
public sealed record NativeLibraryState(string Library, bool Found, string Detail, string NeededFor, string HowToGet)
{
    /// <summary>The one-line reason a feature gives when its library is missing.</summary>
    public string Unavailable => $"unavailable: {Library} not found ({HowToGet})";

    /// <summary>Probes one of <see cref="NativeLibraries"/>.</summary>
    public static NativeLibraryState Probe(NativeLibraryInfo info, Assembly assembly) => Probe(info.Library, assembly, info.NeededFor, info.HowToGet);

    /// <summary>Loads the library the way the runtime would for <paramref name="assembly"/>'s P/Invokes; on success the
    /// detail is the file that was mapped, otherwise the loader's reason.</summary>
    public static NativeLibraryState Probe(string library, Assembly assembly, string neededFor, string howToGet)
    {
        try
        {
            if (NativeLibrary.TryLoad(library, assembly, null, out _))
                return new(library, true, MappedFile(library) ?? "loaded", neededFor, howToGet);
            return new(library, false, "not found by the loader", neededFor, howToGet);
        }
        catch (BadImageFormatException e)
        {
            return new(library, false, "wrong architecture: " + e.Message, neededFor, howToGet);
        }
    }

    /// <summary>Whether the library is mapped into this process already (loaded by an earlier call), without loading it.</summary>
    public static string? LoadedFile(string library) => MappedFile(library);

    /// <summary>The path of the mapped file whose name starts with the library's stem (e.g. libturbojpeg.so.0.2.0).</summary>
    private static string? MappedFile(string library)
    {
        string stem = library.StartsWith("lib", StringComparison.Ordinal) ? library : "lib" + library;
        int dot = stem.IndexOf(".so", StringComparison.Ordinal);
        if (dot > 0) stem = stem[..dot];
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                int slash = line.IndexOf('/');
                if (slash < 0) continue;
                string path = line[slash..];
                if (Path.GetFileName(path).StartsWith(stem + ".so", StringComparison.Ordinal)) return path;
            }
        }
        catch (IOException) { }
        return null;
    }
}
