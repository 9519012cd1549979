using System.Runtime.InteropServices;
using EdgeRig.Core;

namespace EdgeRig.Devices.Camera.V4l2;

/// <summary>
/// A V4L2 call on a camera failed or the camera cannot do what the rig file asks; the message names the device path, the
/// operation and the reason. An <see cref="IOException"/>, so a camera that is gone is retried as a lost device.
/// </summary>
public sealed class V4l2DeviceException : IOException
{
    public V4l2DeviceException(string path, string operation, int errno)
        : base($"{path}: {operation} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})")
    {
        Path = path;
        Errno = errno;
    }

    public V4l2DeviceException(string path, string problem) : base($"{path}: {problem}") => Path = path;

    public string Path { get; }

    /// <summary>The errno of the failed call; 0 when the device answered but cannot do what was asked.</summary>
    public int Errno { get; }

    /// <summary>The errors of a device that went away (unplugged, USB reset): ENODEV, EIO.</summary>
    public bool DeviceGone => Errno is Libc.ENoDev or Libc.EIo;
}
