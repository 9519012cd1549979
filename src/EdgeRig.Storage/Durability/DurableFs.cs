using System.Runtime.InteropServices;
using EdgeRig.Core;

namespace EdgeRig.Storage.Durability;

/// <summary>
/// The sync step .NET lacks: syncing a directory, so a created, renamed or deleted entry survives a power cut (as
/// PostgreSQL's <c>fsync_fname</c> on the parent). File data itself is synced with <see cref="RandomAccess.FlushToDisk"/>
/// (fsync) on an open handle.
/// </summary>
public static class DurableFs
{
    /// <summary>Makes the directory's entries durable (its created, renamed and removed names).</summary>
    /// <exception cref="IOException">the directory cannot be opened or synced.</exception>
    public static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux()) return; // the flags below are Linux's
        int fd = Libc.Open(directory, Libc.ORdOnly | Libc.OCloexec); // a directory opens without O_DIRECTORY
        if (fd < 0) throw new IOException($"cannot open directory '{directory}' to sync it (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (Libc.Fsync(fd) != 0) throw new IOException($"cannot sync directory '{directory}' (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            Libc.Close(fd);
        }
    }
}
