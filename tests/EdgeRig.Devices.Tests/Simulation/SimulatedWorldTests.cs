using System.Buffers.Binary;
using System.Device.Gpio;
using EdgeRig.Core;
using EdgeRig.Devices.Camera;
using EdgeRig.Devices.Gpio;
using EdgeRig.Devices.Imu;
using EdgeRig.Devices.Lidar;
using EdgeRig.Devices.Simulation;
using EdgeRig.Timing;
using OpenCvSharp;

namespace EdgeRig.Devices.Tests.Sim;

/// <summary>The world's stimulus (fired through the simulated GPIO trigger), its pauses, and its rotation as each twin sees it.</summary>
public sealed class SimulatedWorldTests
{
    private static DeviceProfile Trigger(bool activeLow = false) =>
        new() { Id = "trigger0", Kind = "gpio-output", Driver = "sim", Line = 23, Role = "trigger", PulseMs = 0.1, ActiveLow = activeLow };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TriggerPulse_FiresTheWorldAtTheEdge_AndReportsTheEdgesKernelStamp(bool activeLow)
    {
        var clock = new FakeRigClock();
        var world = new SimulatedWorld(new WorldProfile { PeriodicEvents = false }, clock);
        var rig = new RigProfile { Name = "r", Devices = [Trigger(activeLow), new DeviceProfile { Id = "led0", Kind = "gpio-output", Driver = "sim", Line = 24, Role = "status-led" }] };
        using var outputs = SimulatedRig.CreateOutputs(rig, world, clock);
        clock.Advance(Duration.FromSeconds(2));

        var edge = outputs.Trigger()!.Pulse();
        outputs.Outputs.Single(o => o.Profile.Id == "led0").Set(true);

        var e = Assert.Single(world.Events);
        Assert.Equal(clock.Now, e.TrueTime);
        Assert.Equal("gpio line 23", e.Source);
        Assert.InRange((edge - e.TrueTime).Nanoseconds, 2_000, 8_000);
        Assert.True(outputs.Trigger()!.KernelStamped);
        Assert.Equal(edge, outputs.Trigger()!.LastPulseAt);
    }

    [Fact]
    public void PausedPeriodicEvents_NoneWhilePaused_BothSidesKeepThem()
    {
        var clock = new FakeRigClock();
        var world = new SimulatedWorld(new WorldProfile { EventIntervalSeconds = 0.2, Seed = 1 }, clock);
        clock.Advance(Duration.FromSeconds(5));
        world.LastEventAtOrBefore(clock.Now);
        var pausedAt = clock.Now;
        using (world.PausePeriodicEvents())
        {
            clock.Advance(Duration.FromSeconds(2.5));
            world.FireNow("test");
            clock.Advance(Duration.FromSeconds(2.5));
        }
        var resumedAt = clock.Now;
        clock.Advance(Duration.FromSeconds(5));
        world.LastEventAtOrBefore(clock.Now);

        var events = world.Events;
        Assert.Equal(["test"], events.Where(e => e.TrueTime >= pausedAt && e.TrueTime < resumedAt).Select(e => e.Source));
        Assert.True(events.Count(e => e.TrueTime < pausedAt) > 10);
        Assert.True(events.Count(e => e.TrueTime >= resumedAt) > 10);
        Assert.Equal(events.OrderBy(e => e.TrueTime), events);
    }

    [Fact]
    public void Turn_YawRateIsTheSumOfSines_FromRest_AndTheRigIsPutBack()
    {
        var clock = new FakeRigClock();
        var profile = new WorldProfile { Rotation = new RotationProfile { Components = [new() { AmplitudeRadPerS = 1, FrequencyHz = 0.5 }] } };
        var world = new SimulatedWorld(profile, clock);
        clock.Advance(Duration.FromSeconds(1));
        var start = clock.Now;
        using (world.Turn())
            clock.Advance(Duration.FromSeconds(4));

        Assert.Equal(0, world.YawRate(start - Duration.FromMilliseconds(1)));
        Assert.Equal(Math.Sin(Math.PI * 0.5), world.YawRate(start + Duration.FromSeconds(0.5)), 9);
        Assert.Equal(1 / Math.PI * (1 - Math.Cos(Math.PI * 0.5)), world.Yaw(start + Duration.FromSeconds(0.5)), 9);
        Assert.True(world.IsTurning(start + Duration.FromSeconds(3)));
        Assert.Equal(0, world.Yaw(clock.Now + Duration.FromSeconds(1)));
        Assert.False(world.IsTurning(clock.Now));
    }

    [Fact]
    public void RotationModes_AlwaysTurnsFromTheStart_OffNever()
    {
        var clock = new FakeRigClock();
        var always = new SimulatedWorld(new WorldProfile { Rotation = new RotationProfile { Mode = RotationMode.Always } }, clock);
        var off = new SimulatedWorld(new WorldProfile { Rotation = new RotationProfile { Mode = RotationMode.Off } }, clock);
        using var _ = off.Turn();
        clock.Advance(Duration.FromSeconds(1));

        Assert.NotEqual(0, always.YawRate(clock.Now));
        Assert.Equal(0, off.YawRate(clock.Now));
    }

    /// <summary>A turning rig: gz reads the world's yaw rate, the camera's view slides by yaw / angle-per-pixel, the LIDAR's target moves by -yaw.</summary>
    [Fact]
    public async Task TurningRig_GyroReadsTheRate_CameraShiftsByTheYaw_LidarSeesTheRoomTurn()
    {
        var clock = new FakeRigClock();
        var world = new SimulatedWorld(new WorldProfile { PeriodicEvents = false }, clock);
        using var turn = world.Turn();
        var imu = new SimulatedImu(new DeviceProfile { Id = "imu0", Kind = "imu", RateHz = 400, FifoBurst = 8 }, world, clock);
        await using var cam = new SimulatedCamera(new DeviceProfile { Id = "cam0", Kind = "camera", Width = 640, Height = 360, RateHz = 30 }, world, clock);
        var lidar = new SimulatedLidar(new DeviceProfile { Id = "lidar0", Kind = "lidar", RateHz = 10, PointsPerScan = 720 }, world, clock);
        var (imuSink, camSink, lidarSink) = (new CollectingSink(), new CollectingSink(), new CollectingSink());
        for (int i = 0; i < 150; i++) imu.ProduceNext(imuSink);
        for (int i = 0; i < 60; i++) cam.ProduceNext(camSink);
        for (int i = 0; i < 30; i++) lidar.ProduceNext(lidarSink);

        Assert.All(imuSink.Snapshot(), s => Assert.InRange(BinaryPrimitives.ReadSingleLittleEndian(s.Payload.Span[20..]) - world.YawRate(imu.DeviceClock.TrueTime(s.Sequence)), -0.01, 0.01));

        // consecutive frames: the background slides by the yaw change at mid-exposure over the angle per pixel
        var mid = SimulatedCamera.Exposure.Nanoseconds / 2;
        int checkedFrames = 0;
        var frames = camSink.Snapshot();
        for (int k = 30; k < 59; k += 4)
        {
            using var a = Cv2.ImDecode(frames[k].Payload.ToArray(), ImreadModes.Grayscale);
            using var b = Cv2.ImDecode(frames[k + 1].Payload.ToArray(), ImreadModes.Grayscale);
            double expected = (world.Yaw(cam.DeviceClock.TrueTime(k + 1) + new Duration(mid)) - world.Yaw(cam.DeviceClock.TrueTime(k) + new Duration(mid))) / cam.RadiansPerPixel;
            Assert.InRange(BestShift(a, b), expected - 1, expected + 1);
            checkedFrames++;
        }
        Assert.Equal(8, checkedFrames);

        // the target (1.5 m, 80° wide around world bearing 90°) appears at sensor bearing 90° - yaw at each point's time
        foreach (var scan in lidarSink.Snapshot().Skip(5))
        {
            var start = lidar.DeviceClock.TrueTime(scan.Sequence);
            for (int i = 0; i < 720; i += 10)
            {
                var p = scan.Payload.Span[(i * SimulatedLidar.PointSize)..];
                double angle = BinaryPrimitives.ReadSingleLittleEndian(p), range = BinaryPrimitives.ReadSingleLittleEndian(p[4..]);
                var t = start + new Duration(BinaryPrimitives.ReadUInt32LittleEndian(p[9..]));
                double fromTarget = Math.Abs(Math.IEEERemainder(angle + world.Yaw(t) - Math.PI / 2, 2 * Math.PI));
                if (fromTarget < SimulatedLidar.TargetHalfWidthRad - 0.02) Assert.InRange(range, 1.48, 1.52);
                if (fromTarget > SimulatedLidar.TargetHalfWidthRad + 0.02) Assert.InRange(range, 1.99, 3.7);
            }
        }
    }

    /// <summary>The whole-pixel shift s that best maps a onto b (b(x + s) = a(x)): least mean absolute difference in a band below the caption.</summary>
    private static int BestShift(Mat a, Mat b)
    {
        (int Shift, double Sad) best = (0, double.MaxValue);
        for (int shift = -40; shift <= 40; shift++)
        {
            double sad = 0;
            int n = 0;
            for (int y = 80; y < 240; y += 2)
                for (int x = 60; x < 580; x += 2, n++)
                    sad += Math.Abs(a.At<byte>(y, x) - b.At<byte>(y, x + shift));
            if (sad / n < best.Sad) best = (shift, sad / n);
        }
        return best.Shift;
    }

    [Fact]
    public void VirtualTimeRig_DeliversInTimeOrderAtTheRatesAndStampsRigTime()
    {
        var rig = new RigProfile
        {
            Name = "v",
            World = new WorldProfile { PeriodicEvents = false },
            Devices =
            [
                new DeviceProfile { Id = "imu0", Kind = "imu", RateHz = 400, FifoBurst = 8, Clock = new SimulatedClockProfile { LatencyMs = 0.8, JitterMs = 0.3 } },
                new DeviceProfile { Id = "lidar0", Kind = "lidar", RateHz = 10, PointsPerScan = 100, Clock = new SimulatedClockProfile { LatencyMs = 4 } },
                Trigger(),
            ],
        };
        using var sim = new VirtualTimeRig(rig);
        var start = sim.Clock.Now;
        sim.RunFor(Duration.FromSeconds(2));
        sim.StartRecording();
        sim.RunFor(Duration.FromSeconds(3));
        var recorded = sim.StopRecording().ToDictionary(r => r.Descriptor.Id.Value);

        Assert.Equal(start + Duration.FromSeconds(5), sim.Clock.Now);
        Assert.InRange(recorded["imu0"].Samples.Count, 1190, 1210);
        Assert.InRange(recorded["lidar0"].Samples.Count, 29, 31);
        Assert.All(recorded.Values, r => Assert.Equal(r.Samples.OrderBy(s => s.HostTime), r.Samples));
        var imu = sim.SensorOf(new StreamId("imu0"));
        Assert.All(recorded["imu0"].Samples, s =>
            Assert.InRange((s.Rig.Time - sim.Clock.ToRig(imu.DeviceClock.TrueTime(s.Sequence)).Time).TotalMilliseconds, 0.7, 0.9));
    }
}
