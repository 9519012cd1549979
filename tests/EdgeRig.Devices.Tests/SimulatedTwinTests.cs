using System.Buffers.Binary;
using EdgeRig.Core;
using EdgeRig.Devices.Audio;
using EdgeRig.Devices.Camera;
using EdgeRig.Devices.Gpio;
using EdgeRig.Devices.Imu;
using EdgeRig.Devices.Lidar;
using EdgeRig.Devices.Simulation;
using EdgeRig.Timing;
using OpenCvSharp;

namespace EdgeRig.Devices.Tests;

public class SimulatedTwinTests
{
    private sealed class ListSink : ISampleSink
    {
        public List<Sample> Samples { get; } = [];
        public void Publish(Sample sample) => Samples.Add(sample);
    }

    private static readonly FakeRigClock Clock = new();

    private static SimulatedWorld World(double interval = 1) => new(new WorldProfile { EventIntervalSeconds = interval, Seed = 3 }, Clock);

    [Fact]
    public void Camera_ProducesDecodableJpegAtConfiguredSize_FlashBrightensOverlappingFrames()
    {
        var world = World(0.5);
        var profile = new DeviceProfile { Id = "cam0", Kind = "camera", Width = 320, Height = 240, RateHz = 30, JpegQuality = 80 };
        using var _ = new DisposableSensor(new SimulatedCamera(profile, world, Clock), out var cam);
        var sink = new ListSink();
        for (int i = 0; i < 90; i++) cam.ProduceNext(sink);
        Assert.Equal(90, sink.Samples.Count);
        var brightness = new List<double>();
        foreach (var s in sink.Samples)
        {
            Assert.Equal(0xFF, s.Payload.Span[0]);
            Assert.Equal(0xD8, s.Payload.Span[1]);
            using var img = Cv2.ImDecode(s.Payload.ToArray(), ImreadModes.Color);
            Assert.Equal(320, img.Width);
            Assert.Equal(240, img.Height);
            brightness.Add(Cv2.Mean(img).Val0);
        }
        // frames whose exposure overlapped a flash are clearly brighter than the median frame
        var flashed = sink.Samples.Select((s, i) => (i, overlap: world.FlashOverlap(cam.DeviceClock.TrueTime(s.Sequence), cam.DeviceClock.TrueTime(s.Sequence) + SimulatedCamera.Exposure)))
            .Where(x => x.overlap > 0.5).Select(x => x.i).ToList();
        Assert.NotEmpty(flashed);
        double median = brightness.Order().ElementAt(brightness.Count / 2);
        Assert.All(flashed, i => Assert.True(brightness[i] > median + 40, $"frame {i}: {brightness[i]:0} vs median {median:0}"));
    }

    [Fact]
    public void Microphone_ClickLandsAtTheEventSample()
    {
        var world = World(0.3);
        var profile = new DeviceProfile { Id = "mic0", Kind = "microphone", RateHz = 48000, Channels = 2, BlockFrames = 480 };
        var mic = new SimulatedMicrophone(profile, world, Clock);
        var sink = new ListSink();
        for (int i = 0; i < 100; i++) mic.ProduceNext(sink);
        Assert.All(sink.Samples, s => Assert.Equal(480 * 2 * 2, s.Payload.Length));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => i * 480L), sink.Samples.Select(s => s.SensorTime.Ticks - sink.Samples[0].SensorTime.Ticks));
        // first loud left-channel frame in the whole recording
        long loudFrame = -1;
        for (int b = 0; b < sink.Samples.Count && loudFrame < 0; b++)
            for (int f = 0; f < 480; f++)
                if (Math.Abs(BinaryPrimitives.ReadInt16LittleEndian(sink.Samples[b].Payload.Span[(f * 4)..])) > 8000) { loudFrame = b * 480L + f; break; }
        var evt = world.Events.First();
        double expectedFrame = (evt.TrueTime - mic.DeviceClock.TrueTime(0)).TotalSeconds * 48000;
        Assert.InRange(loudFrame, expectedFrame - 1, expectedFrame + 2);
    }

    [Fact]
    public void Imu_FifoBurstsShareHostTime_AndBumpFollowsEvent()
    {
        var world = World(0.5);
        var profile = new DeviceProfile { Id = "imu0", Kind = "imu", RateHz = 400, FifoBurst = 8, Clock = new SimulatedClockProfile { DriftPpm = 80 } };
        var imu = new SimulatedImu(profile, world, Clock);
        var sink = new ListSink();
        for (int i = 0; i < 100; i++) imu.ProduceNext(sink);
        Assert.Equal(800, sink.Samples.Count);
        Assert.All(sink.Samples.Chunk(8), burst => Assert.Single(burst.Select(s => s.HostTime).Distinct()));
        var ax = sink.Samples.Select(s => BinaryPrimitives.ReadSingleLittleEndian(s.Payload.Span)).ToList();
        int peak = ax.IndexOf(ax.Max());
        var evt = world.Events.First();
        Assert.InRange((imu.DeviceClock.TrueTime(peak) - evt.TrueTime).TotalMilliseconds, 0, 2.6);
    }

    [Fact]
    public void Lidar_ScanHas450PointsAndWrappingStamp()
    {
        var world = World();
        var profile = new DeviceProfile { Id = "lidar0", Kind = "lidar", RateHz = 10, PointsPerScan = 450, Clock = new SimulatedClockProfile { OffsetMs = 29_500 } };
        var lidar = new SimulatedLidar(profile, world, Clock);
        var sink = new ListSink();
        for (int i = 0; i < 20; i++) lidar.ProduceNext(sink);
        Assert.All(sink.Samples, s => Assert.Equal(450 * SimulatedLidar.PointSize, s.Payload.Length));
        Assert.All(sink.Samples, s => Assert.InRange(s.SensorTime.Ticks, 0, SimulatedLidar.StampModulus - 1));
        Assert.Contains(sink.Samples, s => s.SensorTime.Ticks < 1000); // wrapped
        float range = BinaryPrimitives.ReadSingleLittleEndian(sink.Samples[0].Payload.Span[4..]);
        Assert.InRange(range, 2.9f, 3.1f); // the wall ahead at angle 0
    }

    [Fact]
    public void DeviceClock_DriftAndDrops_AreAsConfigured()
    {
        var clock = new SimulatedDeviceClock(new SimulatedClockProfile { DriftPpm = 100, DropProbability = 0.1, LatencyMs = 5, JitterMs = 1 },
            new HostTime(0), 1000, 1000, seed: 1);
        // 1e6 samples of a 1 kHz clock running 100 ppm fast take 1e9 / 1.0001 us of true time
        Assert.InRange(clock.TrueTime(1_000_000).Nanoseconds / 1000.0, 999_900_009.0 - 2, 999_900_009.0 + 2);
        int drops = Enumerable.Range(0, 10_000).Count(_ => clock.Drops());
        Assert.InRange(drops, 800, 1200);
        var t = new HostTime(1_000_000_000);
        Assert.InRange((clock.Delivery(t) - t).TotalMilliseconds, 5, 30);
    }

    [Fact]
    public void MarkerButton_PressGivesRisingThenFallingEdge()
    {
        var button = new SimulatedMarkerButton(new DeviceProfile { Id = "button0", Kind = "gpio-button", Line = 17, MeanIntervalSeconds = 5 }, World(), Clock);
        var sink = new ListSink();
        button.PressNext(sink);
        Assert.Equal(2, sink.Samples.Count);
        Assert.Equal(new byte[] { 17, 1 }, sink.Samples[0].Payload.ToArray());
        Assert.Equal(new byte[] { 17, 0 }, sink.Samples[1].Payload.ToArray());
        Assert.InRange((sink.Samples[1].HostTime - sink.Samples[0].HostTime).TotalMilliseconds, 110, 130);
    }

    [Fact]
    public void SimulatedRig_RealDriverInRigFile_IsRefusedNamingTheField()
    {
        var rig = new RigProfile { Name = "r", Devices = [new DeviceProfile { Id = "cam0", Kind = "camera", Driver = "usb-magic" }] };
        var e = Assert.Throws<RigProfileException>(() => SimulatedRig.Create(rig, World(), Clock));
        Assert.Equal("devices[0].driver", e.Field);
    }

    private sealed class DisposableSensor : IDisposable
    {
        private readonly SimulatedSensor _sensor;
        public DisposableSensor(SimulatedSensor sensor, out SimulatedSensor s) { _sensor = sensor; s = sensor; }
        public void Dispose() => _sensor.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
