using System.Buffers.Binary;
using System.Device.I2c;
using EdgeRig.Core;
using EdgeRig.Devices.Hotplug;
using EdgeRig.Timing.Gpio;

namespace EdgeRig.Devices.Imu;

/// <summary>One IMU reading in SI units: acceleration (m/s²) and angular rate (rad/s).</summary>
public readonly record struct ImuReading(float AxMps2, float AyMps2, float AzMps2, float GxRadps, float GyRadps, float GzRadps)
{
    public const float StandardGravity = 9.80665f;
    public const float RadiansPerDegree = MathF.PI / 180;

    /// <summary>The <see cref="Encodings.Imu6"/> payload: six little-endian float32.</summary>
    public byte[] Encode()
    {
        var b = new byte[24];
        float[] v = [AxMps2, AyMps2, AzMps2, GxRadps, GyRadps, GzRadps];
        for (int i = 0; i < 6; i++) BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(4 * i), v[i]);
        return b;
    }
}

/// <summary>
/// The read loop shared by the I2C IMU drivers (System.Device.I2c.I2cDevice): opens the bus, checks the chip's
/// identity and configures it (through its Iot.Device.Bindings driver where one fits), then every burst period reads
/// what the chip has (its FIFO where it has one). An I/O error mid-stream is counted and logged and the stream goes
/// on (the lost samples show as a sequence gap); <see cref="MaxConsecutiveErrors"/> in a row count as the chip gone,
/// and it is looked for again. When the chip's data-ready pin is wired to a GPIO line, the kernel timestamp of the
/// latest edge dates the newest sample.
/// </summary>
public abstract class I2cImu : HotplugSensor
{
    private readonly Func<I2cDevice> _openBus;
    private readonly Func<Stream>? _openDataReady;
    private readonly Action<string> _log;
    private long _lastEdgeNs;

    protected I2cImu(DeviceProfile profile, StreamDescriptor descriptor, IHostClock clock, Func<I2cDevice>? openBus, Func<Stream>? openDataReady, Action<string>? log)
        : base(profile, descriptor, clock)
    {
        _openBus = openBus ?? (() => I2cDevice.Create(new I2cConnectionSettings(profile.Bus, profile.Address != 0 ? profile.Address : DefaultAddress)));
        _openDataReady = openDataReady ?? (profile.DataReadyLine is int line
            ? () => GpioChipLine.Request(string.IsNullOrEmpty(profile.Path) ? "/dev/gpiochip0" : profile.Path, [line], $"edgerig-{profile.Id}-drdy").Events
            : null);
        _log = log ?? (m => Console.Error.WriteLine($"{profile.Id}: {m}"));
    }

    /// <summary>The chip's usual 7-bit address, used when the rig file gives none.</summary>
    protected abstract int DefaultAddress { get; }

    /// <summary>Checks identity and configures the chip; throws <see cref="IOException"/> naming chip, address, expected and read identity.</summary>
    protected abstract void Initialize(I2cDevice device);

    /// <summary>"mpu6050 at bus 1 address 0x68": which chip failed, and where.</summary>
    protected string Where(I2cDevice device) =>
        $"{Profile.Driver} at bus {device.ConnectionSettings.BusId} address 0x{device.ConnectionSettings.DeviceAddress:X2}";

    /// <summary>
    /// Reads the identity register before anything is written (a binding's constructor resets and configures first,
    /// which another chip at the same address must not get) and throws <see cref="IOException"/> naming both values.
    /// </summary>
    protected byte CheckIdentity(I2cDevice device, string register, byte address, params byte[] expected)
    {
        byte id = ReadRegister(device, address);
        if (!expected.Contains(id))
            throw new IOException($"{Where(device)}: expected {register} {string.Join(" or ", expected.Select(x => $"0x{x:X2}"))}, read 0x{id:X2}");
        return id;
    }

    /// <summary>Appends the readings the chip has ready; returns how many samples the chip reports lost (FIFO overflow).</summary>
    protected abstract long ReadAvailable(I2cDevice device, List<ImuReading> readings);

    /// <summary>Called after a failed read, e.g. to reset a FIFO whose alignment is no longer known.</summary>
    protected virtual void Recover(I2cDevice device) { }

    /// <summary>True when the chip numbers its samples (FIFO index); false stamps sensor time with the host time of the read.</summary>
    protected virtual bool CountsSamples => true;

    public int MaxConsecutiveErrors { get; init; } = 25;
    public long IoErrors { get; private set; }
    public long LostSamples { get; private set; }

    /// <summary>Samples a FIFO burst is expected to hold; the loop reads this often.</summary>
    protected TimeSpan BurstPeriod => TimeSpan.FromSeconds(Math.Max(1, Profile.FifoBurst) / Descriptor.NominalRateHz);

    protected override IDisposable OpenDevice()
    {
        var device = _openBus();
        try
        {
            Initialize(device);
        }
        catch
        {
            device.Dispose();
            throw;
        }
        if (_openDataReady is null) return device;
        var edges = _openDataReady();
        var thread = new Thread(() => ReadEdges(edges)) { IsBackground = true, Name = $"drdy-{DeviceId}" };
        thread.Start();
        return new ImuSession(device, edges);
    }

    private void ReadEdges(Stream events)
    {
        try
        {
            var reader = new GpioEdgeReader(events);
            while (reader.TryRead(out var edge))
                if (edge.Rising) Volatile.Write(ref _lastEdgeNs, edge.TimestampNs);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidDataException)
        {
            _log($"data-ready line stopped: {e.Message}");
        }
    }

    protected override void RunSession(IDisposable session, ISampleSink sink, CancellationToken stop)
    {
        var device = session is ImuSession s ? s.Device : (I2cDevice)session;
        var readings = new List<ImuReading>(64);
        long fifoIndex = 0;
        int consecutive = 0;
        while (!stop.WaitHandle.WaitOne(BurstPeriod))
        {
            readings.Clear();
            try
            {
                long lost = ReadAvailable(device, readings);
                consecutive = 0;
                if (lost > 0)
                {
                    LostSamples += lost;
                    fifoIndex += lost;
                    SkipSequence(lost);
                    _log($"FIFO overflow: about {lost} samples lost");
                }
            }
            catch (IOException e)
            {
                IoErrors++;
                _log($"I2C read failed ({IoErrors} errors so far): {e.Message}");
                if (++consecutive >= MaxConsecutiveErrors) throw new IOException($"IMU {DeviceId} gone: {consecutive} I2C errors in a row ({e.Message})", e);
                long lost = (long)Math.Round(BurstPeriod.TotalSeconds * Descriptor.NominalRateHz);
                fifoIndex += lost;
                SkipSequence(lost);
                TryRecover(device);
                continue;
            }
            if (readings.Count == 0) continue;
            var now = Clock.Now;
            long edge = Volatile.Read(ref _lastEdgeNs);
            var host = edge > 0 && edge <= now.Nanoseconds && now.Nanoseconds - edge < 1_000_000_000 ? new HostTime(edge) : now;
            foreach (var r in readings)
            {
                var sensor = CountsSamples ? new SensorTime(fifoIndex++) : new SensorTime(host.Nanoseconds);
                sink.Publish(new Sample(Descriptor.Id, NextSequence(), sensor, host, default, r.Encode()));
            }
        }
    }

    private void TryRecover(I2cDevice device)
    {
        try
        {
            Recover(device);
        }
        catch (IOException e)
        {
            IoErrors++;
            _log($"recovery after an I2C error failed ({IoErrors} errors so far): {e.Message}");
        }
    }

    /// <summary>Reads <paramref name="into"/>.Length bytes from consecutive registers starting at <paramref name="register"/>.</summary>
    protected static void ReadRegisters(I2cDevice device, byte register, Span<byte> into) => device.WriteRead([register], into);

    protected static byte ReadRegister(I2cDevice device, byte register)
    {
        Span<byte> b = stackalloc byte[1];
        device.WriteRead([register], b);
        return b[0];
    }

    protected static void WriteRegister(I2cDevice device, byte register, byte value) => device.Write([register, value]);

    /// <summary>The open bus and the data-ready line's event stream, released together.</summary>
    private sealed class ImuSession(I2cDevice device, Stream edges) : IDisposable
    {
        public I2cDevice Device { get; } = device;

        public void Dispose()
        {
            edges.Dispose();
            Device.Dispose();
        }
    }
}
