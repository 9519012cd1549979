using System.IO.Ports;
using EdgeRig.Core;
using EdgeRig.Devices.Hotplug;

namespace EdgeRig.Devices.Lidar;

/// <summary>
/// A spinning 2-D LIDAR on a serial port (System.IO.Ports): LD06/LD19 (driver "ld06"/"ld19", 230400 baud, packets
/// with a CRC and a ms stamp) or RPLIDAR A1/A2 (driver "rplidar", 115200 baud, standard scan). One sample is one
/// revolution in scan-v1. LD06 samples carry the protocol stamp of the first point as sensor time (ms, wraps
/// every 30 s); the RPLIDAR has no stamp, so its sensor time is the host time the revolution's first node arrived.
/// Corrupt packets are counted and logged and never published. A port that goes away is reopened (see
/// <see cref="HotplugSensor"/>).
/// </summary>
public sealed class SerialLidar : HotplugSensor
{
    private readonly bool _rplidar;
    private readonly DecoderCounts _counts = new();
    private readonly Action<string> _log;
    private SerialPort? _port;

    /// <param name="silenceTimeout">no byte for this long counts as the device gone.</param>
    public SerialLidar(DeviceProfile profile, IHostClock clock, Action<string>? log = null, TimeSpan? silenceTimeout = null)
        : base(profile, DescriptorFor(profile), clock)
    {
        _rplidar = profile.Driver == "rplidar";
        _log = log ?? (m => Console.Error.WriteLine($"{profile.Id}: {m}"));
        SilenceTimeout = silenceTimeout ?? TimeSpan.FromSeconds(1);
    }

    public TimeSpan SilenceTimeout { get; }

    /// <summary>Good packets (LD06) or nodes (RPLIDAR) decoded, and corrupt ones dropped, over all connections.</summary>
    public long GoodPackets => _counts.Good;
    public long CorruptPackets => _counts.Corrupt;
    public long Revolutions { get; private set; }

    public static int DefaultBaud(string driver) => driver == "rplidar" ? 115_200 : 230_400;

    public static StreamDescriptor DescriptorFor(DeviceProfile p) =>
        new(new StreamId(p.StreamName), Modality.Lidar, Encodings.LidarScan, p.RateHz, "rad,m", p.Id, p.FrameId)
        {
            SensorTickRateHz = p.Driver == "rplidar" ? 1e9 : 1000,
            SensorWrapModulus = p.Driver == "rplidar" ? 0 : Ld06Packet.TimestampModulus,
            KnownLatency = p.Driver == "rplidar" ? Duration.Zero : Duration.FromSeconds(1 / p.RateHz),
            Parameters = new Dictionary<string, string> { ["pointsPerScan"] = p.PointsPerScan.ToString(), ["model"] = p.Driver },
        };

    protected override IDisposable OpenDevice()
    {
        var port = new SerialPort(Profile.Path, Profile.Baud > 0 ? Profile.Baud : DefaultBaud(Profile.Driver))
        {
            ReadTimeout = (int)SilenceTimeout.TotalMilliseconds,
            WriteTimeout = 500,
        };
        try
        {
            port.Open();
            if (_rplidar)
            {
                port.BaseStream.Write(RplidarNode.StopRequest);
                port.BaseStream.Write(RplidarNode.ScanRequest);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
        {
            port.Dispose();
            throw new IOException($"cannot open serial port {Profile.Path}: {e.Message}", e);
        }
        _port = port;
        return port;
    }

    protected override void OnStopping() => _port?.Dispose();

    protected override void RunSession(IDisposable device, ISampleSink sink, CancellationToken stop)
    {
        var stream = ((SerialPort)device).BaseStream;
        var buffer = new byte[2048];
        Action<ReadOnlySpan<byte>, HostTime> push = _rplidar ? RplidarSession(sink) : Ld06Session(sink);
        while (!stop.IsCancellationRequested)
        {
            int n;
            try
            {
                n = stream.Read(buffer, 0, buffer.Length);
            }
            catch (TimeoutException)
            {
                throw new IOException($"no data from {Profile.Path} for {SilenceTimeout.TotalSeconds:0.#} s");
            }
            if (n == 0) throw new IOException($"{Profile.Path} closed");
            push(buffer.AsSpan(0, n), Clock.Now);
        }
    }

    private Action<ReadOnlySpan<byte>, HostTime> Ld06Session(ISampleSink sink)
    {
        var decoder = new Ld06PacketDecoder { Log = _log };
        var assembler = new Ld06ScanAssembler();
        HostTime arrival = default;
        void OnPacket(Ld06Packet packet)
        {
            if (assembler.Add(packet) is { } rev) Publish(sink, rev, arrival);
        }
        return (data, now) =>
        {
            arrival = now;
            long good = decoder.Packets, bad = decoder.CorruptPackets;
            decoder.Push(data, OnPacket);
            _counts.Good += decoder.Packets - good;
            _counts.Corrupt += decoder.CorruptPackets - bad;
        };
    }

    private Action<ReadOnlySpan<byte>, HostTime> RplidarSession(ISampleSink sink)
    {
        var decoder = new RplidarNodeDecoder { Log = _log };
        var scan = new List<RplidarNode>(1024);
        HostTime arrival = default, scanStart = default;
        bool synced = false;
        void OnNode(RplidarNode node)
        {
            if (node.StartOfRevolution)
            {
                if (synced && scan.Count > 0) Publish(sink, RplidarRevolution(scan, scanStart, arrival), arrival);
                scan.Clear();
                synced = true;
                scanStart = arrival;
            }
            if (synced) scan.Add(node);
        }
        return (data, now) =>
        {
            arrival = now;
            long good = decoder.Nodes, bad = decoder.CorruptNodes;
            decoder.Push(data, OnNode);
            _counts.Good += decoder.Nodes - good;
            _counts.Corrupt += decoder.CorruptNodes - bad;
        };
    }

    /// <summary>RPLIDAR nodes carry no time: points are spread evenly over the host time between two start flags.</summary>
    private static LidarRevolution RplidarRevolution(List<RplidarNode> nodes, HostTime start, HostTime end)
    {
        var builder = new LidarScanBuilder();
        long spanNs = Math.Max(0, (end - start).Nanoseconds);
        for (int i = 0; i < nodes.Count; i++)
            builder.Add(new LidarPoint((float)(nodes[i].AngleDegrees * Math.PI / 180), (float)(nodes[i].DistanceMm / 1000), nodes[i].Quality,
                (uint)Math.Min(uint.MaxValue, spanNs * i / nodes.Count)));
        return new LidarRevolution(builder.Encode(), new SensorTime(start.Nanoseconds), nodes.Count);
    }

    private void Publish(ISampleSink sink, LidarRevolution rev, HostTime arrival)
    {
        Revolutions++;
        sink.Publish(new Sample(Descriptor.Id, NextSequence(), rev.Start, arrival, default, rev.Payload));
    }

    private sealed class DecoderCounts
    {
        public long Good;
        public long Corrupt;
    }
}
