using EdgeRig.Core;
using EdgeRig.Devices.Hotplug;
using EdgeRig.Devices.Lidar;
using EdgeRig.Timing;

namespace EdgeRig.Devices.Tests.Lidar;

/// <summary>The serial LIDAR drivers opening the slave side of a real pseudo-terminal as their port.</summary>
public class SerialLidarPtyTests
{
    private static DeviceProfile Profile(string path, string driver = "ld06") =>
        new() { Id = "lidar0", Kind = "lidar", Driver = driver, Path = path, RateHz = 10, PointsPerScan = 450 };

    private static void AssertCleanRevolution(Sample s)
    {
        var points = LidarScanBuilder.Decode(s.Payload.Span);
        Assert.Equal(450, points.Length);
        for (int i = 0; i < points.Length; i++)
        {
            int angle = (int)Math.Round(points[i].AngleRad * 18000 / Math.PI);
            Assert.Equal(Ld06StreamWriter.RangeMmAt(angle) / 1000f, points[i].RangeM, 4);
            if (i == 0) continue;
            Assert.True(points[i].AngleRad > points[i - 1].AngleRad, $"angle of point {i} goes back");
            Assert.True(points[i].OffsetNs + 1_000_000 > points[i - 1].OffsetNs, $"time of point {i} goes back more than the 1 ms stamp resolution");
        }
        Assert.InRange(points[^1].OffsetNs, 98_000_000u, 101_500_000u); // 449 × 0.8° at 3600°/s = 99.8 ms, stamps in whole ms
    }

    [Fact]
    public async Task Ld06_CleanCorruptTruncatedAndGarbage_OnlyWholeGoodRevolutionsReachTheSink()
    {
        using var pty = new PseudoTerminal();
        var log = new List<string>();
        await using var lidar = new SerialLidar(Profile(pty.LinkPath), new SystemRigClock(), m => { lock (log) log.Add(m); });
        var sink = new CollectingSink();
        await lidar.StartAsync(sink, CancellationToken.None);
        var w = new Ld06StreamWriter();
        pty.Write(w.Next(40)); // the first partial revolution is dropped
        var bad = w.NextPacket().Encode(); bad[20] ^= 0x01; pty.Write(bad); // this revolution loses 12 points
        pty.Write(w.Next(40));
        pty.Write(w.NextPacket().Encode()[..20]); // cut short
        pty.Write([0x00, 0x54, 0x99]);
        pty.Write(w.Next(200));
        Assert.True(await sink.WaitFor(s => s.Length >= 5, TimeSpan.FromSeconds(5)), $"got {sink.Count} revolutions");
        var samples = sink.Snapshot();

        Assert.Equal(2, lidar.CorruptPackets);
        Assert.Equal(2, log.Count);
        Assert.Equal(438, LidarScanBuilder.Decode(samples[0].Payload.Span).Length);
        foreach (var s in samples.Skip(2)) AssertCleanRevolution(s);
        Assert.Equal(Enumerable.Range(0, samples.Length).Select(i => (long)i), samples.Select(s => s.Sequence));
        Assert.Equal(Ld06Packet.TimestampModulus, lidar.Descriptor.SensorWrapModulus);
        Assert.All(samples, s => Assert.InRange(s.SensorTime.Ticks, 0, Ld06Packet.TimestampModulus - 1));
        Assert.Contains(samples.Zip(samples.Skip(1)), p => p.Second.SensorTime.Ticks < p.First.SensorTime.Ticks); // wrapped past 30 000 ms
    }

    [Fact]
    public async Task Ld06_PortUnpluggedAndBack_GapReportedAndCaptureResumesWithin2s()
    {
        using var pty = new PseudoTerminal();
        var events = new List<DeviceLinkEvent>();
        await using var lidar = new SerialLidar(Profile(pty.LinkPath), new SystemRigClock(), _ => { });
        lidar.LinkChanged += e => { lock (events) events.Add(e); };
        var sink = new CollectingSink();
        await lidar.StartAsync(sink, CancellationToken.None);
        var w = new Ld06StreamWriter();
        pty.Write(w.Next(120));
        Assert.True(await sink.WaitFor(s => s.Length >= 2, TimeSpan.FromSeconds(5)));

        pty.Unplug();
        Assert.True(await sink.WaitFor(_ => !lidar.IsConnected, TimeSpan.FromSeconds(3)), "the driver did not notice the unplug");
        int before = sink.Count;
        await Task.Delay(500);
        pty.Reopen();
        var back = DateTime.UtcNow;
        using var feeding = new CancellationTokenSource();
        var feeder = Task.Run(async () =>
        {
            while (!feeding.IsCancellationRequested) { pty.Write(w.Next(4)); await Task.Delay(10); }
        });
        bool resumed = await sink.WaitFor(s => s.Length >= before + 2, TimeSpan.FromSeconds(2));
        var resumeDelay = DateTime.UtcNow - back;
        feeding.Cancel();
        await feeder;

        Assert.True(resumed, $"no revolution within 2 s of the port coming back (connected: {lidar.IsConnected})");
        Assert.True(resumeDelay < TimeSpan.FromSeconds(2));
        var samples = sink.Snapshot();
        Assert.Equal(1, lidar.Disconnects);
        Assert.Equal([false, true], events.Select(e => e.Connected));
        Assert.True(events[1].At > events[0].At);
        Assert.Equal(samples[before - 1].Sequence + 2, samples[before].Sequence); // the skipped number is the recorded gap
        foreach (var s in samples.Skip(before + 1)) AssertCleanRevolution(s);
    }

    [Fact]
    public async Task Rplidar_ScanRequestThenNodes_RevolutionsOnStartFlagsAndBadNodesDropped()
    {
        using var pty = new PseudoTerminal();
        await using var lidar = new SerialLidar(Profile(pty.LinkPath, "rplidar"), new SystemRigClock(), _ => { });
        var sink = new CollectingSink();
        await lidar.StartAsync(sink, CancellationToken.None);
        var request = new byte[4];
        int got = 0;
        while (got < 4) got += pty.Master.Read(request, got, 4 - got);
        Assert.Equal(new byte[] { 0xA5, 0x25, 0xA5, 0x20 }, request); // STOP then SCAN

        var bytes = new List<byte>(RplidarNode.ScanResponseDescriptor);
        for (int rev = 0; rev < 4; rev++)
            for (int i = 0; i < 360; i++)
            {
                var node = new RplidarNode(i == 0, 47, (ushort)(i * 64), (ushort)(4 * (1000 + i))).Encode();
                if (rev == 2 && i == 100) node[1] &= 0xFE; // check bit C cleared: corrupt
                bytes.AddRange(node);
            }
        bytes.AddRange(new RplidarNode(true, 47, 0, 4000).Encode());
        pty.Write(bytes.ToArray());
        Assert.True(await sink.WaitFor(s => s.Length >= 4, TimeSpan.FromSeconds(5)), $"got {sink.Count}");
        var samples = sink.Snapshot();

        Assert.True(lidar.CorruptPackets >= 1);
        var clean = LidarScanBuilder.Decode(samples[0].Payload.Span);
        Assert.Equal(360, clean.Length);
        Assert.Equal(1.123f, clean[123].RangeM, 4);
        Assert.All(samples, s => Assert.All(LidarScanBuilder.Decode(s.Payload.Span),
            p => Assert.Equal(1 + Math.Round(p.AngleRad * 180 / Math.PI) / 1000, p.RangeM, 3)));
        Assert.True(LidarScanBuilder.Decode(samples[2].Payload.Span).Length < 360);
    }
}
