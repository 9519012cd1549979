using System.Buffers.Binary;
using System.Device.I2c;
using EdgeRig.Core;
using Iot.Device.Imu;

namespace EdgeRig.Devices.Imu;

/// <summary>
/// InvenSense MPU-6050 (driver "mpu6050", WHO_AM_I 0x68) and MPU-9250 (driver "mpu9250", WHO_AM_I 0x71; 0x73 on
/// the MPU-9255) read through the FIFO: accel + gyro (12 bytes a sample) at 1 kHz / (1 + SMPLRT_DIV). The FIFO
/// sample index is the sensor clock, so the sample rate comes from the chip's oscillator, not from polling.
/// ±4 g (8192 LSB/g) and ±500 °/s (65.5 LSB/(°/s)). Reset and configuration go through Iot.Device.Bindings
/// (<see cref="Mpu6050"/>, <see cref="Mpu9250"/>); FIFO reads, overflow handling and the data-ready interrupt are ours,
/// over the same I2cDevice. Register map: RM-MPU-6000A-00 rev 4.2 (pages noted beside each).
/// </summary>
public sealed class Mpu6050Imu : I2cImu
{
    public const byte SmplrtDiv = 0x19, Config = 0x1A, GyroConfig = 0x1B, AccelConfig = 0x1C, FifoEn = 0x23, IntEnable = 0x38,
        IntStatus = 0x3A, UserCtrl = 0x6A, PwrMgmt1 = 0x6B, FifoCountH = 0x72, FifoRw = 0x74, WhoAmI = 0x75;
    public const byte Mpu6050Id = 0x68, Mpu9250Id = 0x71, Mpu9255Id = 0x73;
    public const int SampleBytes = 12;
    public const float AccelLsbPerG = 8192f, GyroLsbPerDps = 65.5f;

    /// <summary>What goes into the FIFO: accel, then gyro X, Y, Z; 12 bytes a sample (FIFO_EN 0x78, RM p. 16).</summary>
    public const FifoModes FifoContent = FifoModes.Accelerometer | FifoModes.GyroscopeX | FifoModes.GyroscopeY | FifoModes.GyroscopeZ;

    private readonly byte[] _expectedIds;

    public Mpu6050Imu(DeviceProfile profile, IHostClock clock, Func<I2cDevice>? openBus = null, Func<Stream>? openDataReady = null, Action<string>? log = null)
        : base(profile, DescriptorFor(profile), clock, openBus, openDataReady, log)
    {
        _expectedIds = profile.Driver == "mpu9250" ? [Mpu9250Id, Mpu9255Id] : [Mpu6050Id];
        Divider = DividerFor(profile.RateHz);
        FifoCapacityBytes = profile.Driver == "mpu9250" ? 512 : 1024;
    }

    /// <summary>SMPLRT_DIV for a rate: 1 kHz (DLPF on) / (1 + divider) (RM p. 11).</summary>
    public static byte DividerFor(double rateHz)
    {
        double exact = Math.Clamp(1000 / rateHz - 1, 0, 255);
        double low = Math.Floor(exact), high = Math.Ceiling(exact);
        return (byte)(Math.Abs(1000 / (1 + low) - rateHz) <= Math.Abs(1000 / (1 + high) - rateHz) ? low : high);
    }

    /// <summary>The rate the chip really runs at for the requested one.</summary>
    public static double ActualRateHz(double rateHz) => 1000.0 / (1 + DividerFor(rateHz));

    public static StreamDescriptor DescriptorFor(DeviceProfile p) =>
        new(new StreamId(p.StreamName), Modality.Imu, Encodings.Imu6, ActualRateHz(p.RateHz), "m/s^2,rad/s", p.Id, p.FrameId)
        {
            SensorTickRateHz = ActualRateHz(p.RateHz),
            Parameters = new Dictionary<string, string> { ["chip"] = p.Driver, ["accelRange"] = "4g", ["gyroRange"] = "500dps" },
        };

    public byte Divider { get; }
    public int FifoCapacityBytes { get; }

    protected override int DefaultAddress => 0x68;

    protected override void Initialize(I2cDevice device)
    {
        byte id = CheckIdentity(device, "WHO_AM_I", WhoAmI, _expectedIds);
        if (id == Mpu9255Id) ConfigureMpu9255(device);
        else ConfigureThroughBinding(device, id);
        WriteRegister(device, IntEnable, 0x01);               // DATA_RDY_EN: the INT pin pulses per sample (RM p. 27)
        WriteRegister(device, UserCtrl, (byte)(ReadRegister(device, UserCtrl) | 0x40)); // FIFO_EN (RM p. 38), keeping I2C_MST_EN
    }

    /// <summary>
    /// The binding's constructor resets the chip (DEVICE_RESET, RM p. 40), wakes it on the X gyro PLL, checks WHO_AM_I
    /// and sets its default filters and ranges, sleeping 200 ms in all; the MPU-9250's also brings up the AK8963
    /// magnetometer behind the chip's I2C master. Rate, ranges and FIFO content then go through its setters, which
    /// read back what they wrote and throw <see cref="IOException"/> when the chip did not take it.
    /// </summary>
    private void ConfigureThroughBinding(I2cDevice device, byte id)
    {
        Mpu6050 mpu;
        try
        {
            mpu = id == Mpu6050Id ? new Mpu6050(device) : new Mpu9250(device, shouldDispose: false);
        }
        catch (IOException e)
        {
            throw new IOException($"{Where(device)}: {e.Message}", e);
        }
        // the session owns the I2cDevice and disposes it; the binding holds nothing else
        mpu.GyroscopeBandwidth = GyroscopeBandwidth.Bandwidth0184Hz; // DLPF_CFG 1: 1 kHz gyro output rate (RM p. 13). Before the
                                                                     // range: this setter rewrites GYRO_CONFIG from the cached range
        mpu.SampleRateDivider = Divider;                             // SMPLRT_DIV (RM p. 11)
        mpu.GyroscopeRange = GyroscopeRange.Range0500Dps;            // FS_SEL 1: ±500 °/s (RM p. 14)
        mpu.AccelerometerRange = AccelerometerRange.Range04G;        // AFS_SEL 1: ±4 g (RM p. 15)
        mpu.FifoModes = FifoContent;                                 // FIFO_RST, then FIFO_EN (RM p. 16, 38)
    }

    /// <summary>
    /// The MPU-9255 by registers: the binding's <see cref="Mpu9250"/> accepts only WHO_AM_I 0x71 and has no constructor
    /// that skips the check, so the sequence of <see cref="ConfigureThroughBinding"/> is written here.
    /// </summary>
    private void ConfigureMpu9255(I2cDevice device)
    {
        WriteRegister(device, PwrMgmt1, 0x80);                // DEVICE_RESET (RM p. 40)
        for (int i = 0; i < 100 && (ReadRegister(device, PwrMgmt1) & 0x80) != 0; i++) Thread.Sleep(1);
        WriteRegister(device, PwrMgmt1, 0x01);                // wake, PLL with X gyro reference
        WriteRegister(device, Config, 0x01);                  // DLPF_CFG 1: 1 kHz gyro output rate (RM p. 13)
        WriteRegister(device, SmplrtDiv, Divider);
        WriteRegister(device, GyroConfig, 1 << 3);            // FS_SEL 1: ±500 °/s (RM p. 14)
        WriteRegister(device, AccelConfig, 1 << 3);           // AFS_SEL 1: ±4 g (RM p. 15)
        WriteRegister(device, UserCtrl, 0x04);                // FIFO_RST
        WriteRegister(device, FifoEn, (byte)FifoContent);     // XG, YG, ZG, ACCEL into the FIFO (RM p. 16)
    }

    protected override long ReadAvailable(I2cDevice device, List<ImuReading> readings)
    {
        long lost = 0;
        if ((ReadRegister(device, IntStatus) & 0x10) != 0)    // FIFO_OFLOW_INT (RM p. 28)
        {
            lost = FifoCapacityBytes / SampleBytes;           // at least what the full FIFO dropped; exact count unknown
            Recover(device);
            return lost;
        }
        Span<byte> count = stackalloc byte[2];
        ReadRegisters(device, FifoCountH, count);
        int samples = BinaryPrimitives.ReadUInt16BigEndian(count) / SampleBytes;
        Span<byte> fifo = stackalloc byte[SampleBytes * 20];
        while (samples > 0)
        {
            int n = Math.Min(samples, 20);
            var chunk = fifo[..(n * SampleBytes)];
            ReadRegisters(device, FifoRw, chunk);
            for (int i = 0; i < n; i++) readings.Add(Decode(chunk.Slice(i * SampleBytes, SampleBytes)));
            samples -= n;
        }
        return lost;
    }

    /// <summary>A FIFO sample: ACCEL_X/Y/Z then GYRO_X/Y/Z, big-endian int16 (RM p. 29, 31).</summary>
    public static ImuReading Decode(ReadOnlySpan<byte> s)
    {
        const float a = ImuReading.StandardGravity / AccelLsbPerG, g = ImuReading.RadiansPerDegree / GyroLsbPerDps;
        return new ImuReading(BinaryPrimitives.ReadInt16BigEndian(s) * a, BinaryPrimitives.ReadInt16BigEndian(s[2..]) * a, BinaryPrimitives.ReadInt16BigEndian(s[4..]) * a,
            BinaryPrimitives.ReadInt16BigEndian(s[6..]) * g, BinaryPrimitives.ReadInt16BigEndian(s[8..]) * g, BinaryPrimitives.ReadInt16BigEndian(s[10..]) * g);
    }

    /// <summary>A failed or overflowed read leaves the FIFO's alignment unknown: reset it (FIFO_RST, RM p. 38).</summary>
    protected override void Recover(I2cDevice device)
    {
        WriteRegister(device, UserCtrl, (byte)(ReadRegister(device, UserCtrl) | 0x04));
    }
}
