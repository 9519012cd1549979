using EdgeRig.Core;
using EdgeRig.Devices.Audio;

namespace EdgeRig.Devices.Tests;

public sealed class DeviceInventoryTests : IDisposable
{
    private readonly string _dev = Path.Combine(Path.GetTempPath(), $"edgerig-dev-{Guid.NewGuid():N}");

    public DeviceInventoryTests()
    {
        Directory.CreateDirectory(_dev);
        foreach (var f in new[] { "video0", "video1", "videoX", "ttyUSB0", "ttyAMA0", "i2c-1", "gpiochip0", "null" })
            File.WriteAllText(Path.Combine(_dev, f), "");
    }

    public void Dispose() => Directory.Delete(_dev, recursive: true);

    [Fact]
    public void Compare_RigAgainstBoard_PresentMissingUnusedAndSimulated()
    {
        var board = DeviceInventory.Scan(_dev, () => [new AudioInputDevice(3, "USB Audio Device: - (hw:1,0)", "ALSA", 1, 48000)]);
        Assert.Equal([Path.Combine(_dev, "video0"), Path.Combine(_dev, "video1")], board.Video);
        Assert.Equal(2, board.Serial.Count);
        var rig = new RigProfile
        {
            Name = "r",
            Devices =
            [
                new DeviceProfile { Id = "cam0", Kind = "camera", Driver = "v4l2", Path = Path.Combine(_dev, "video0") },
                new DeviceProfile { Id = "cam1", Kind = "camera", Driver = "v4l2", Path = Path.Combine(_dev, "video7") },
                new DeviceProfile { Id = "mic0", Kind = "microphone", Driver = "portaudio", DeviceName = "usb audio", Channels = 1, RateHz = 48000 },
                new DeviceProfile { Id = "lidar0", Kind = "lidar", Driver = "ld06", Path = Path.Combine(_dev, "ttyAMA0") },
                new DeviceProfile { Id = "imu0", Kind = "imu", Driver = "mpu6050", Bus = 1, Address = 0x68 },
                new DeviceProfile { Id = "imu1", Kind = "imu", Driver = "bno055", Bus = 3 },
                new DeviceProfile { Id = "button0", Kind = "gpio-button", Driver = "sim" },
            ],
        };
        var entries = DeviceInventory.Compare(rig, board, _dev);
        InventoryStatus Of(string id) => entries.Single(e => e.DeviceId == id).Status;

        Assert.Equal(InventoryStatus.Present, Of("cam0"));
        Assert.Equal(InventoryStatus.Missing, Of("cam1"));
        Assert.Equal(InventoryStatus.Present, Of("mic0"));
        Assert.Equal(InventoryStatus.Present, Of("lidar0"));
        Assert.Equal(InventoryStatus.Present, Of("imu0"));
        Assert.Equal(InventoryStatus.Missing, Of("imu1"));
        Assert.Equal(InventoryStatus.Simulated, Of("button0"));
        var unused = entries.Where(e => e.Status == InventoryStatus.Unused).Select(e => Path.GetFileName(e.Name)).ToArray();
        Assert.Equal(["video1", "ttyUSB0", "gpiochip0"], unused);
    }

    [Fact]
    public void Scan_PortAudioMissing_ReportedNotThrown()
    {
        var board = DeviceInventory.Scan(_dev, () => throw new DllNotFoundException("libportaudio.so.2"));
        Assert.Contains("libportaudio.so.2", board.AudioProblem);
        var entries = DeviceInventory.Compare(new RigProfile { Name = "r", Devices = [new DeviceProfile { Id = "c", Kind = "camera", Driver = "sim" }] }, board, _dev);
        Assert.Contains(entries, e => e.Category == "audio" && e.Status == InventoryStatus.Missing);
    }
}
