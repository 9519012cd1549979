using System.Runtime.InteropServices;
using EdgeRig.Core;

namespace EdgeRig.Devices.Camera.V4l2;

/// <summary>A /dev/videoN opened non-blocking, its system calls made through <see cref="Libc"/>.</summary>
public sealed unsafe class LinuxV4l2Node : IV4l2Node
{
    private int _fd;

    private LinuxV4l2Node(int fd, string path)
    {
        _fd = fd;
        Path = path;
    }

    public string Path { get; }

    public bool StillPresent => File.Exists(Path);

    /// <exception cref="V4l2DeviceException">the node cannot be opened (missing, no permission, busy); the errno says which.</exception>
    public static LinuxV4l2Node Open(string path)
    {
        int fd = Libc.Open(path, Libc.ORdWr | Libc.ONonblock | Libc.OCloexec);
        if (fd < 0) throw new V4l2DeviceException(path, "open", Marshal.GetLastPInvokeError());
        return new LinuxV4l2Node(fd, path);
    }

    public int Ioctl<T>(uint request, ref T argument) where T : unmanaged
    {
        fixed (T* p = &argument)
            return Libc.Ioctl(Fd, request, (byte*)p) < 0 ? Marshal.GetLastPInvokeError() : 0;
    }

    public int Map(int length, uint offset, out nint address)
    {
        address = Libc.Mmap(0, (nuint)length, Libc.ProtRead | Libc.ProtWrite, Libc.MapShared, Fd, offset);
        return address == Libc.MapFailed ? Marshal.GetLastPInvokeError() : 0;
    }

    public int Unmap(nint address, int length) => Libc.Munmap(address, (nuint)length) < 0 ? Marshal.GetLastPInvokeError() : 0;

    public int Poll(int timeoutMs, out short returnedEvents)
    {
        var poll = new Libc.PollFd { Fd = Fd, Events = Libc.PollIn };
        int rc = Libc.Poll(&poll, 1, timeoutMs);
        returnedEvents = poll.ReturnedEvents;
        return rc < 0 ? Marshal.GetLastPInvokeError() : 0;
    }

    private int Fd => _fd >= 0 ? _fd : throw new ObjectDisposedException(Path);

    public void Dispose()
    {
        if (_fd < 0) return;
        Libc.Close(_fd);
        _fd = -1;
    }
}
