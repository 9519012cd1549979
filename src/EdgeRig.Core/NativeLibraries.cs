namespace EdgeRig.Core;

/// <summary>A native library EdgeRig may load, what needs it and how to get it (README "Native libraries" lists the same).</summary>
public sealed record NativeLibraryInfo(string Library, string NeededFor, string HowToGet);

/// <summary>
/// Every optional native library EdgeRig loads. None is needed to start: a device or feature whose library is missing says
/// "unavailable: LIBRARY not found (HOW TO GET IT)" and the rest of the rig records.
/// </summary>
public static class NativeLibraries
{
    public static readonly NativeLibraryInfo TurboJpeg = new("libturbojpeg.so.0",
        "JPEG: simulated cameras, camera QA, dashboard thumbnails", "apt install libturbojpeg0");

    public static readonly NativeLibraryInfo OpenCv = new("OpenCvSharpExtern",
        "face redaction (Haar detector), motion calibration (optical flow), the opencv camera driver (video files)",
        "linux-x64: shipped by the OpenCvSharp4.official.runtime.linux-x64 package, needs apt install libgtk-3-0; linux-arm64: no package, build libOpenCvSharpExtern.so and put it beside edgerig-service");

    public static readonly NativeLibraryInfo PortAudio = new("libportaudio.so.2", "microphones (the PortAudio driver)", "apt install libportaudio2");

    public static readonly NativeLibraryInfo Zstd = new("libzstd",
        "fast zstd in MCAP exports from the first chunk (without it the managed port writes the same bytes, slower until the JIT has warmed it up)",
        "bundled: runtimes/<rid>/native/libzstd.so beside edgerig-service (libzstd 1.5.7 from the ZstdNet package); Debian's libzstd1 is another release and is not used");

    public static IReadOnlyList<NativeLibraryInfo> All { get; } = [TurboJpeg, OpenCv, PortAudio, Zstd];

    /// <summary>
    /// When <paramref name="e"/> (or an inner exception) says a native library could not be loaded, the one-line
    /// "unavailable: …" reason naming it; otherwise null. The runtime wraps a missing library in TypeInitializationException
    /// when a static constructor needed it (OpenCvSharp's do).
    /// </summary>
    public static string? UnavailableReason(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is not (DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)) continue;
            var known = All.FirstOrDefault(l => x.Message.Contains(Stem(l.Library), StringComparison.Ordinal));
            if (known is not null) return $"unavailable: {known.Library} not found ({known.HowToGet})";
            return "unavailable: " + FirstLine(x.Message);
        }
        return null;
    }

    private static string Stem(string library) => library.Split(".so")[0];

    private static string FirstLine(string message)
    {
        int newline = message.IndexOfAny(['\r', '\n']);
        return newline < 0 ? message : message[..newline];
    }
}
