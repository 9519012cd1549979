using System.Runtime.InteropServices;

namespace EdgeRig.Core;

/// <summary>
/// The libc calls .NET has no API for (open/read/close of a plain fd, fsync of a directory, ioctl, statx, geteuid,
/// clock_gettime, and mmap/munmap/poll for V4L2 capture), declared once for every project. Each sets errno for <see cref="Marshal.GetLastPInvokeError"/>;
/// callers turn a failure into an exception naming the file and the errno.
/// </summary>
public static unsafe partial class Libc
{
    /// <summary>open(2) flags: the same values on x64 and arm64 Linux (O_DIRECTORY is not, so it is left out).</summary>
    public const int ORdOnly = 0, ORdWr = 2, OCloexec = 0x80000;

    /// <summary>open(2) O_NONBLOCK: 04000 on x64 and arm64 alike.</summary>
    public const int ONonblock = 0x800;

    /// <summary>errno values (asm-generic, the same on x64 and arm64) that callers tell apart.</summary>
    public const int ENoEnt = 2, EIntr = 4, EIo = 5, EAgain = 11, ENoDev = 19, EInval = 22, ENotTy = 25;

    /// <summary>mmap(2) protection and flags, and poll(2) events: the same values on x64 and arm64 Linux.</summary>
    public const int ProtRead = 1, ProtWrite = 2, MapShared = 1;

    public const short PollIn = 0x1, PollErr = 0x8, PollHup = 0x10, PollNval = 0x20;

    /// <summary>mmap's MAP_FAILED, (void*)-1.</summary>
    public static readonly nint MapFailed = -1;

    /// <summary>struct pollfd.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short ReturnedEvents;
    }

    /// <summary>struct timeval on 64-bit Linux (both fields are long).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct TimeVal
    {
        public long Seconds;
        public long Microseconds;
    }

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

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    public static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    public static partial int Munmap(nint address, nuint length);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint Geteuid();

    [LibraryImport("libc", EntryPoint = "clock_gettime", SetLastError = true)]
    public static partial int ClockGetTime(int clockId, out TimeSpec time);
}
