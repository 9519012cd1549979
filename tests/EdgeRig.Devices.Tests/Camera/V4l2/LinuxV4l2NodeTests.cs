using EdgeRig.Core;
using EdgeRig.Devices.Camera;
using EdgeRig.Devices.Camera.V4l2;
using EdgeRig.Timing;

namespace EdgeRig.Devices.Tests.Camera.V4l2;

/// <summary>The real node's system calls on what this machine has (no /dev/video): character devices that are not V4L2.</summary>
public sealed class LinuxV4l2NodeTests
{
    [Fact]
    public async Task MissingNode_CameraStartFails_NamingThePathAndErrno()
    {
        var profile = new DeviceProfile { Id = "cam0", Kind = "camera", Driver = "v4l2", Path = "/dev/video-edgerig-none", Width = 640, Height = 480, RateHz = 30 };
        await using var camera = new V4l2Camera(profile, new FakeRigClock());

        var e = await Assert.ThrowsAsync<V4l2DeviceException>(() => camera.StartAsync(new CollectingSink(), CancellationToken.None));

        Assert.Equal(Libc.ENoEnt, e.Errno);
        Assert.StartsWith("/dev/video-edgerig-none: open failed: ", e.Message);
    }

    [Fact]
    public void NotAVideoDevice_QueryCapabilities_FailsWithEnotty()
    {
        using var node = LinuxV4l2Node.Open("/dev/null");
        Assert.True(node.StillPresent);

        var e = Assert.Throws<V4l2DeviceException>(() => new V4l2Device(node).QueryCapabilities());

        Assert.Equal(Libc.ENotTy, e.Errno); // ENOTTY: the ioctl reached the kernel, which does not know it for /dev/null
        Assert.StartsWith("/dev/null: VIDIOC_QUERYCAP failed: ", e.Message);
        Assert.False(e.DeviceGone);
    }

    [Fact]
    public unsafe void MapAtAnOffset_PollUnmap_ThroughLibc()
    {
        string file = Path.Combine(Path.GetTempPath(), $"edgerig-mmap-{Guid.NewGuid():N}");
        File.WriteAllBytes(file, [.. Enumerable.Range(0, 3).SelectMany(page => Enumerable.Repeat((byte)(page + 1), 4096))]);
        try
        {
            using var node = LinuxV4l2Node.Open(file);

            Assert.Equal(0, node.Map(4096, 8192, out nint address)); // the third page, as a driver's buffer 2 at its QUERYBUF offset
            Assert.Equal(3, ((byte*)address)[0]);
            Assert.Equal(3, ((byte*)address)[4095]);
            ((byte*)address)[0] = 9; // shared and writable
            Assert.Equal(0, node.Unmap(address, 4096));
            Assert.Equal(9, File.ReadAllBytes(file)[8192]);
            Assert.Equal(0, node.Poll(0, out short events));
            Assert.Equal(Libc.PollIn, (short)(events & Libc.PollIn)); // a regular file is always readable
        }
        finally
        {
            File.Delete(file);
        }
    }
}
