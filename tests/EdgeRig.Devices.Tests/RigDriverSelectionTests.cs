using EdgeRig.Core;
using EdgeRig.Devices.Audio;
using EdgeRig.Devices.Camera;
using EdgeRig.Devices.Gpio;
using EdgeRig.Devices.Imu;
using EdgeRig.Devices.Lidar;
using EdgeRig.Devices.Simulation;
using EdgeRig.Timing;

namespace EdgeRig.Devices.Tests;

public class RigDriverSelectionTests
{
    private static string RepoRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "EdgeRig.sln"))) d = d.Parent;
        return d!.FullName;
    }

    [Fact]
    public void Pi5ReferenceRig_EveryDeviceGetsItsRealDriver()
    {
        var rig = RigProfile.Load(Path.Combine(RepoRoot(), "hardware", "rigs", "pi5-reference.json"));
        var clock = new FakeRigClock();
        var sensors = SimulatedRig.Create(rig, new SimulatedWorld(rig.World, clock), clock);
        Assert.Equal(2, sensors.OfType<V4l2Camera>().Count());
        Assert.Single(sensors.OfType<PortAudioMicrophone>());
        Assert.Single(sensors.OfType<SerialLidar>());
        Assert.Single(sensors.OfType<Mpu6050Imu>());
        Assert.Equal(2, sensors.OfType<GpioChipMarkerButton>().Count()); // marker button and PPS
        Assert.Contains(rig.Devices, d => d.Kind == "gpio-output" && d.Role == "strobe");
        Assert.Equal(0x68, rig.Devices.Single(d => d.Kind == "imu").Address);
    }

    [Theory]
    [InlineData("""{ "id": "l", "kind": "lidar", "driver": "ld06", "rateHz": 10, "pointsPerScan": 450 }""", "devices[0].path")]
    [InlineData("""{ "id": "l", "kind": "lidar", "driver": "ld06", "path": "/dev/ttyAMA0", "baud": 5, "rateHz": 10, "pointsPerScan": 450 }""", "devices[0].baud")]
    [InlineData("""{ "id": "i", "kind": "imu", "driver": "mpu6050", "address": "0x99", "rateHz": 500 }""", "devices[0].address")]
    [InlineData("""{ "id": "i", "kind": "imu", "driver": "mpu6050", "address": "sixty-eight", "rateHz": 500 }""", "devices[0].address")]
    [InlineData("""{ "id": "c", "kind": "camera", "driver": "v4l2", "path": "/dev/video0", "fourcc": "MJPEG", "width": 640, "height": 480, "rateHz": 30 }""", "devices[0].fourcc")]
    [InlineData("""{ "id": "c", "kind": "camera", "driver": "v4l2", "path": "/dev/video0", "fourcc": "H264", "width": 640, "height": 480, "rateHz": 30 }""", "devices[0].fourcc")]
    [InlineData("""{ "id": "c", "kind": "camera", "driver": "v4l2", "path": "/dev/video0", "fourcc": "YUYV", "width": 641, "height": 480, "rateHz": 30 }""", "devices[0].width")]
    [InlineData("""{ "id": "c", "kind": "camera", "driver": "opencv", "width": 640, "height": 480, "rateHz": 30 }""", "devices[0].path")]
    [InlineData("""{ "id": "o", "kind": "gpio-output", "driver": "gpiochip", "path": "/dev/gpiochip0", "line": 5, "role": "laser" }""", "devices[0].role")]
    [InlineData("""{ "id": "p", "kind": "pps", "driver": "sim", "line": 18 }""", "devices[0].driver")] // a PPS input has no simulated twin
    public void RigFile_BadDriverField_RefusedNamingTheField(string device, string field)
    {
        var e = Assert.Throws<RigProfileException>(() => RigFile.Parse($$"""{ "name": "r", "devices": [ {{device}} ] }""", "r.json"));
        Assert.Equal(field, e.Field);
    }

    [Theory]
    [InlineData("v4l2", "MJPG", typeof(V4l2Camera))]
    [InlineData("v4l2", "YUYV", typeof(V4l2Camera))]
    [InlineData("opencv", "H264", typeof(OpenCvCamera))] // VideoCapture reads what its backend can: no fourcc restriction
    public void CameraDrivers_EachNameBuildsItsDriver(string driver, string fourcc, Type expected)
    {
        var rig = RigProfile.Parse($$"""
            { "name": "r", "devices": [ { "id": "cam0", "kind": "camera", "driver": "{{driver}}", "path": "/dev/video0", "fourcc": "{{fourcc}}",
              "width": 640, "height": 480, "rateHz": 30 } ] }
            """, "r.json");
        var clock = new FakeRigClock();
        var camera = Assert.Single(SimulatedRig.Create(rig, new SimulatedWorld(rig.World, clock), clock));
        Assert.IsType(expected, camera);
    }

    [Theory]
    [InlineData("""{ "id": "c", "kind": "camera", "width": 2, "height": 480, "rateHz": 30 }""", "devices[0].width")]
    [InlineData("""{ "id": "c", "kind": "camera", "width": 640, "height": 480, "rateHz": -3 }""", "devices[0].rateHz")]
    [InlineData("""{ "id": "c", "kind": "camera", "driver": "v4l2", "path": "/dev/video0", "width": 640, "height": 480, "rateHz": 30, "horizontalFovDeg": 0 }""", "devices[0].horizontalFovDeg")]
    [InlineData("""{ "id": "c", "kind": "camera", "driver": "v4l2", "path": "/dev/video0", "width": 640, "height": 480, "rateHz": 30, "horizontalFovDeg": 180 }""", "devices[0].horizontalFovDeg")]
    [InlineData("""{ "id": "c", "kind": "camera", "width": 640, "height": 480, "rateHz": 30, "horizontalFovDeg": 70 }""", "devices[0].horizontalFovDeg")] // the twin sees 60
    [InlineData("""{ "id": "i", "kind": "imu", "rateHz": 400, "horizontalFovDeg": 60 }""", "devices[0].horizontalFovDeg")]
    public void RigFile_BadKindField_RefusedNamingTheField(string device, string field)
    {
        var e = Assert.Throws<RigProfileException>(() => RigFile.Parse($$"""{ "name": "r", "devices": [ {{device}} ] }""", "r.json"));
        Assert.Equal(field, e.Field);
    }

    [Fact]
    public void RigFile_UnknownDriver_NamesTheFileNotTheRig()
    {
        var e = Assert.Throws<RigProfileException>(() => RigFile.Parse("""{ "name": "r", "devices": [ { "id": "c", "kind": "camera", "driver": "v4l3", "width": 640, "height": 480, "rateHz": 30 } ] }""", "rigs/broken.json"));
        Assert.Equal("rigs/broken.json", e.File);
        Assert.Equal("devices[0].driver", e.Field);
        Assert.StartsWith("rig file 'rigs/broken.json': devices[0].driver: driver 'v4l3' is not available for a camera (use \"sim\", \"v4l2\", \"opencv\")", e.Message);
    }

    [Fact]
    public void CameraFieldsOfView_SimDefaultsTo60Degrees_RealOnlyFromTheRigFile()
    {
        var rig = RigFile.Parse("""
            { "name": "r", "devices": [
              { "id": "sim0", "kind": "camera", "width": 640, "height": 480, "rateHz": 30 },
              { "id": "usb0", "kind": "camera", "driver": "v4l2", "path": "/dev/video0", "width": 640, "height": 480, "rateHz": 30, "horizontalFovDeg": 78 },
              { "id": "usb1", "kind": "camera", "driver": "v4l2", "path": "/dev/video2", "width": 640, "height": 480, "rateHz": 30 } ] }
            """, "r.json");

        var fov = DeviceProfileRules.CameraFieldsOfViewRad(rig);

        Assert.Equal(["sim0", "usb0"], fov.Keys.Order());
        Assert.Equal(SimulatedCamera.HorizontalFieldOfViewRad, fov["sim0"], 12);
        Assert.Equal(78 * Math.PI / 180, fov["usb0"], 12);
    }

    [Fact]
    public void ShippedRigFiles_PassTheDeviceRules()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(RepoRoot(), "hardware", "rigs"), "*.json"))
            Assert.NotEmpty(RigFile.Load(file).Devices);
    }
}
