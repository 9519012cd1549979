using System.Runtime.InteropServices;
using EdgeRig.Core;

namespace EdgeRig.Core.Tests;

/// <summary>Each libc declaration reaches the real function: results and errno as the man pages say.</summary>
public sealed unsafe class LibcTests : IDisposable
{
    private const int Enoent = 2, Ebadf = 9;
    private readonly string _dir = Directory.CreateTempSubdirectory("libc").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Open_MissingFile_MinusOneWithEnoent()
    {
        Assert.Equal(-1, Libc.Open(Path.Combine(_dir, "missing"), Libc.ORdOnly));
        Assert.Equal(Enoent, Marshal.GetLastPInvokeError());
    }

    [Fact]
    public void OpenReadFsyncClose_AFileAndItsDirectory_ReadsTheBytes()
    {
        string path = Path.Combine(_dir, "pid");
        File.WriteAllText(path, "1234\n");
        int fd = Libc.Open(path, Libc.ORdOnly | Libc.OCloexec);
        Assert.True(fd >= 0, $"errno {Marshal.GetLastPInvokeError()}");
        var buffer = new byte[16];
        Assert.Equal(5, (int)Libc.Read(fd, buffer, buffer.Length));
        Assert.Equal("1234\n", System.Text.Encoding.ASCII.GetString(buffer, 0, 5));
        Assert.Equal(0, Libc.Close(fd));

        int dir = Libc.Open(_dir, Libc.ORdOnly);
        Assert.True(dir >= 0);
        Assert.Equal(0, Libc.Fsync(dir));
        Assert.Equal(0, Libc.Close(dir));
        Assert.Equal(-1, Libc.Close(dir)); // closed already
        Assert.Equal(Ebadf, Marshal.GetLastPInvokeError());
    }

    [Fact]
    public void Ioctl_ClosedFd_MinusOneWithEbadf()
    {
        byte* argument = stackalloc byte[8];
        Assert.Equal(-1, Libc.Ioctl(-1, 0, argument));
        Assert.Equal(Ebadf, Marshal.GetLastPInvokeError());
    }

    [Fact]
    public void Statx_OwnFile_OwnedByTheEffectiveUid()
    {
        const int atFdCwd = -100, statxUid = 0x8, uidOffset = 20;
        string path = Path.Combine(_dir, "mine");
        File.WriteAllText(path, "");
        byte* buffer = stackalloc byte[256];
        Assert.Equal(0, Libc.Statx(atFdCwd, path, 0, statxUid, buffer));
        Assert.Equal(Libc.Geteuid(), *(uint*)(buffer + uidOffset));
        Assert.Equal(-1, Libc.Statx(atFdCwd, Path.Combine(_dir, "missing"), 0, statxUid, buffer));
        Assert.Equal(Enoent, Marshal.GetLastPInvokeError());
    }

    [Fact]
    public void ClockGetTime_Realtime_AgreesWithTheSystemClockToTheSecond_UnknownClockFails()
    {
        long before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.Equal(0, Libc.ClockGetTime(0 /* CLOCK_REALTIME */, out var now));
        long after = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.InRange(now.Seconds, before, after);
        Assert.InRange(now.Nanoseconds, 0, 999_999_999);
        Assert.Equal(-1, Libc.ClockGetTime(9999, out _));
    }
}
