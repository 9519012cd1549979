using System.Runtime.InteropServices;

namespace EdgeRig.Core;

/// <summary>
/// The libc calls .NET has no API for (open/read/close of a plain fd, fsync of a directory, ioctl, statx, geteuid,
/// clock_gettime), declared once for every project. Each sets errno for <see cref="Marshal.GetLastPInvokeError"/>;
/// callers turn a failure into an exception naming the file and the errno.
/// </summary>
public static unsafe partial class Libc
{
    /// <summary>open(2) flags: the same values on x64 and arm64 Linux (O_DIRECTORY is not, so it is left out).</summary>
    public const int ORdOnly = 0, ORdWr = 2, OCloexec = 0x80000;

    /// <summary>struct timespec on 64-bit Linux.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, [Out] byte[] buffer, nint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    public static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, byte* argument);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint Geteuid();

    [LibraryImport("libc", EntryPoint = "clock_gettime", SetLastError = true)]
    public static partial int ClockGetTime(int clockId, out TimeSpec time);
}
