using System.Runtime.InteropServices;

namespace EdgeRig.Export.Mcap;

/// <summary>
/// zstd compression through native libzstd 1.5.7, the library the ZstdNet package carries for linux-x64 and linux-arm64
/// (runtimes/RID/native/libzstd.so, published beside the service and CLI): only the one-shot calls the MCAP writer uses.
/// It is the zstd release ZstdSharp.Port 0.8.8 is a port of, so it writes the same bytes at the same level (the export's
/// golden digests pin that), and fast from the first chunk, where the managed port must first be JIT-compiled and tiered up
/// (0.15-0.18 against 0.4-0.7 ms per MiB of incompressible JPEG until then, 0.17-0.25 after). Any other version
/// (Debian bookworm's system libzstd is 1.5.4, whose frames differ) or none at all: <see cref="Available"/> is false and
/// the writer keeps the managed port.
/// </summary>
internal static unsafe partial class ZstdNative
{
    public const string Library = "libzstd";

    /// <summary>ZSTD_versionNumber() of the release whose output equals ZstdSharp.Port 0.8.8's.</summary>
    public const uint SameBytesAsManagedPort = 1_05_07;

    private static readonly Lazy<uint> LoadedVersion = new(() =>
    {
        try
        {
            return ZSTD_versionNumber();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return 0;
        }
    });

    /// <summary>True when libzstd loads and is the release that writes the managed port's bytes.</summary>
    public static bool Available => LoadedVersion.Value == SameBytesAsManagedPort;

    /// <summary>The loaded libzstd's version ("1.5.7"), or null when none loads.</summary>
    public static string? Version => LoadedVersion.Value == 0 ? null : VersionText(LoadedVersion.Value);

    /// <summary>A ZSTD_versionNumber() value as "major.minor.patch".</summary>
    public static string VersionText(uint number) => $"{number / 10_000}.{number / 100 % 100}.{number % 100}";

    [LibraryImport(Library)] private static partial uint ZSTD_versionNumber();
    [LibraryImport(Library)] public static partial nint ZSTD_createCCtx();
    [LibraryImport(Library)] public static partial nuint ZSTD_freeCCtx(nint context);
    [LibraryImport(Library)] private static partial uint ZSTD_isError(nuint code);
    [LibraryImport(Library)] private static partial nint ZSTD_getErrorName(nuint code);
    [LibraryImport(Library)] private static partial nuint ZSTD_compressCCtx(nint context, byte* destination, nuint capacity, byte* source, nuint sourceSize, int level);

    /// <summary>One zstd frame of <paramref name="source"/> at <paramref name="level"/> into <paramref name="destination"/>; its length.</summary>
    /// <exception cref="InvalidOperationException">libzstd reports an error (named).</exception>
    public static int Compress(nint context, ReadOnlySpan<byte> source, Span<byte> destination, int level)
    {
        nuint written;
        fixed (byte* s = source)
        fixed (byte* d = destination)
        {
            written = ZSTD_compressCCtx(context, d, (nuint)destination.Length, s, (nuint)source.Length, level);
        }
        if (ZSTD_isError(written) != 0)
            throw new InvalidOperationException($"libzstd: {Marshal.PtrToStringUTF8(ZSTD_getErrorName(written))}");
        return checked((int)written);
    }
}
