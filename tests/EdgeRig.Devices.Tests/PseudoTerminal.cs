using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace EdgeRig.Devices.Tests;

/// <summary>
/// A real pseudo-terminal pair (posix_openpt): the driver opens the slave side as its serial port through a symlink
/// (like /dev/serial/by-id/...), the test writes the device's bytes into the master. Closing the master is a
/// device unplug; <see cref="Reopen"/> is the device coming back (a new pty, the symlink re-pointed).
/// </summary>
internal sealed partial class PseudoTerminal : IDisposable
{
    [LibraryImport("libc", SetLastError = true)] private static partial int posix_openpt(int flags);
    [LibraryImport("libc", SetLastError = true)] private static partial int grantpt(int fd);
    [LibraryImport("libc", SetLastError = true)] private static partial int unlockpt(int fd);
    [LibraryImport("libc", SetLastError = true)] private static unsafe partial int ptsname_r(int fd, byte* buffer, nuint length);

    private readonly string _dir;
    private FileStream? _master;

    public PseudoTerminal()
    {
        _dir = Path.Combine(Path.GetTempPath(), $"edgerig-pty-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_dir);
        LinkPath = Path.Combine(_dir, "ttyLIDAR");
        Reopen();
    }

    /// <summary>The path the driver opens (a symlink to the current slave).</summary>
    public string LinkPath { get; }

    public string SlavePath { get; private set; } = "";

    public FileStream Master => _master ?? throw new InvalidOperationException("the master is closed");

    public unsafe void Reopen()
    {
        int fd = posix_openpt(2 | 0x100 /* O_RDWR | O_NOCTTY */);
        if (fd < 0 || grantpt(fd) != 0 || unlockpt(fd) != 0) throw new IOException($"openpty failed: errno {Marshal.GetLastPInvokeError()}");
        var name = new byte[128];
        fixed (byte* p = name)
            if (ptsname_r(fd, p, (nuint)name.Length) != 0) throw new IOException("ptsname_r failed");
        SlavePath = System.Text.Encoding.ASCII.GetString(name, 0, Array.IndexOf(name, (byte)0));
        _master = new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.ReadWrite, bufferSize: 0);
        if (File.Exists(LinkPath) || Directory.Exists(LinkPath) || new FileInfo(LinkPath).LinkTarget is not null) File.Delete(LinkPath);
        File.CreateSymbolicLink(LinkPath, SlavePath);
    }

    /// <summary>Unplugs the device: closes the master and removes the symlink, as udev would.</summary>
    public void Unplug()
    {
        _master?.Dispose();
        _master = null;
        File.Delete(LinkPath);
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        Master.Write(bytes);
        Master.Flush();
    }

    public void Dispose()
    {
        _master?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
