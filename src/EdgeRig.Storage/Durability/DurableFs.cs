using System.Runtime.InteropServices;

namespace EdgeRig.Storage.Durability;

/// <summary>
/// The sync step .NET lacks: syncing a directory, so a created, renamed or deleted entry survives a power cut (as
/// PostgreSQL's <c>fsync_fname</c> on the parent). File data itself is synced with <see cref="RandomAccess.FlushToDisk"/>
/// (fsync) on an open handle.
/// </summary>
public static partial class DurableFs
{
    // O_RDONLY | O_CLOEXEC: the same values on x64 and arm64 Linux (O_DIRECTORY is not, and a directory opens without it)
    private const int ORdOnlyCloexec = 0x80000;

    /// <summary>Makes the directory's entries durable (its created, renamed and removed names).</summary>
    /// <exception cref="IOException">the directory cannot be opened or synced.</exception>
    public static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux()) return; // the flags below are Linux's
        int fd = Open(directory, ORdOnlyCloexec);
        if (fd < 0) throw new IOException($"cannot open directory '{directory}' to sync it (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (Fsync(fd) != 0) throw new IOException($"cannot sync directory '{directory}' (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
