namespace EdgeRig.Devices.Camera.V4l2;

/// <summary>
/// An open V4L2 video node at the level of its system calls: ioctl, mmap/munmap and poll, each returning 0 or the errno,
/// exactly as the kernel answers. The driver talks to the device only through this, so tests replace the kernel with a
/// fake that fills the same structs (<see cref="LinuxV4l2Node"/> is the real one).
/// </summary>
public interface IV4l2Node : IDisposable
{
    /// <summary>The device path it was opened from, for messages.</summary>
    string Path { get; }

    /// <summary>Whether the device node still exists (a USB camera pulled out removes it).</summary>
    bool StillPresent { get; }

    /// <summary>ioctl(fd, request, &amp;argument): 0, or the errno.</summary>
    int Ioctl<T>(uint request, ref T argument) where T : unmanaged;

    /// <summary>mmap of a driver buffer (shared, read/write): 0 and its address, or the errno.</summary>
    int Map(int length, uint offset, out nint address);

    /// <summary>munmap of an address <see cref="Map"/> returned: 0, or the errno.</summary>
    int Unmap(nint address, int length);

    /// <summary>poll for a frame to dequeue: 0 and the returned events (none on timeout), or the errno.</summary>
    int Poll(int timeoutMs, out short returnedEvents);
}
