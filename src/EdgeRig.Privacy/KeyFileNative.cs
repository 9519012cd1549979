using System.Runtime.InteropServices;
using EdgeRig.Core;

namespace EdgeRig.Privacy;

/// <summary>The few libc calls .NET has no API for: a file's owner (statx), the effective uid, fsync of a directory.</summary>
internal static unsafe class KeyFileNative
{
    private const int AtFdCwd = -100, StatxType = 0x1, StatxMode = 0x2, StatxUid = 0x8, StatxSize = 256;
    private const int UidOffset = 20, ModeOffset = 28; // struct statx has one layout on every architecture

    /// <summary>The owner uid and st_mode (type and permission bits) of a file, following symlinks.</summary>
    public static (uint Uid, uint Mode) Stat(string path)
    {
        byte* buffer = stackalloc byte[StatxSize];
        if (Libc.Statx(AtFdCwd, path, 0, StatxType | StatxMode | StatxUid, buffer) != 0)
            throw new IOException($"cannot stat {path}: {Marshal.GetLastPInvokeErrorMessage()}");
        return (*(uint*)(buffer + UidOffset), *(ushort*)(buffer + ModeOffset));
    }

    public static uint EffectiveUid() => Libc.Geteuid();

    /// <summary>Makes a rename in <paramref name="directory"/> durable.</summary>
    public static void SyncDirectory(string directory)
    {
        int fd = Libc.Open(directory, Libc.ORdOnly);
        if (fd < 0) throw new IOException($"cannot open directory {directory}: {Marshal.GetLastPInvokeErrorMessage()}");
        try
        {
            if (Libc.Fsync(fd) != 0) throw new IOException($"cannot fsync directory {directory}: {Marshal.GetLastPInvokeErrorMessage()}");
        }
        finally { _ = Libc.Close(fd); }
    }
}
