using System.Buffers.Binary;
using System.Device.I2c;
using EdgeRig.Core;
using Iot.Device.Lsm9Ds1;

namespace EdgeRig.Devices.Imu;

/// <summary>
/// ST LSM9DS1 accelerometer + gyroscope (driver "lsm9ds1", WHO_AM_I 0x68 at register 0x0F, address 0x6B) read through
/// its 32-level FIFO in continuous mode; the FIFO index is the sensor clock. Output data rate 119, 238, 476 or 952 Hz
/// (nearest to the rig rate), ±4 g (0.122 mg/LSB), ±500 °/s (17.5 m°/s/LSB). The full-scale ranges are set by
/// Iot.Device.Bindings' <see cref="Lsm9Ds1AccelerometerAndGyroscope"/>; identity, reset, output data rate, FIFO and
/// decoding are ours (the binding has none of them). Datasheet DocID025715 rev 3 (pages noted).
/// </summary>
public sealed class Lsm9ds1Imu : I2cImu
{
    public const byte WhoAmI = 0x0F, CtrlReg1G = 0x10, OutXG = 0x18, CtrlReg6Xl = 0x20, CtrlReg8 = 0x22, CtrlReg9 = 0x23,
        OutXXl = 0x28, FifoCtrl = 0x2E, FifoSrc = 0x2F;
    public const byte ExpectedWhoAmI = 0x68;
    public const float AccelGPerLsb = 0.122e-3f, GyroDpsPerLsb = 17.5e-3f;

    private static readonly (double Hz, byte Odr)[] Rates = [(119, 0b011), (238, 0b100), (476, 0b101), (952, 0b110)];

    public Lsm9ds1Imu(DeviceProfile profile, IHostClock clock, Func<I2cDevice>? openBus = null, Func<Stream>? openDataReady = null, Action<string>? log = null)
        : base(profile, DescriptorFor(profile), clock, openBus, openDataReady, log)
    {
    }

    /// <summary>The chip's output data rate nearest to the requested one (p. 46).</summary>
    public static (double Hz, byte Odr) RateFor(double hz) => Rates.MinBy(r => Math.Abs(r.Hz - hz));

    public static StreamDescriptor DescriptorFor(DeviceProfile p) =>
        new(new StreamId(p.StreamName), Modality.Imu, Encodings.Imu6, RateFor(p.RateHz).Hz, "m/s^2,rad/s", p.Id, p.FrameId)
        {
            SensorTickRateHz = RateFor(p.RateHz).Hz,
            Parameters = new Dictionary<string, string> { ["chip"] = "lsm9ds1", ["accelRange"] = "4g", ["gyroRange"] = "500dps" },
        };

    protected override int DefaultAddress => 0x6B;

    /// <summary>
    /// The binding's constructor writes CTRL_REG6_XL, CTRL_REG4 (gyro axes on) and CTRL_REG1_G with its fixed 119 Hz ODR
    /// and the ranges; it checks no identity and resets nothing, and its reads (output registers, not the FIFO) scale by
    /// full scale / 32768 (65 LSB/(°/s) at 500 °/s) where the datasheet says 17.5 m°/s per LSB (57.1), so only the
    /// ranges are taken from it.
    /// </summary>
    protected override void Initialize(I2cDevice device)
    {
        CheckIdentity(device, "WHO_AM_I", WhoAmI, ExpectedWhoAmI);
        WriteRegister(device, CtrlReg8, 0x05);                   // SW_RESET, IF_ADD_INC (p. 56)
        _ = new Lsm9Ds1AccelerometerAndGyroscope(device, AccelerationScale.Scale04G, AngularRateScale.Scale0500Dps); // FS_XL ±4 g, FS_G 500 °/s
        byte odr = RateFor(Profile.RateHz).Odr;
        SetOutputDataRate(device, CtrlReg1G, odr);               // ODR_G (p. 45)
        SetOutputDataRate(device, CtrlReg6Xl, odr);              // ODR_XL (p. 52)
        WriteRegister(device, CtrlReg9, 0x02);                   // FIFO_EN (p. 57)
        WriteRegister(device, FifoCtrl, 0x00);                   // bypass clears the FIFO
        WriteRegister(device, FifoCtrl, 0b110 << 5);             // continuous mode (p. 62)
    }

    /// <summary>Replaces the ODR bits 7:5 of a control register, keeping the full-scale bits the binding wrote.</summary>
    private static void SetOutputDataRate(I2cDevice device, byte register, byte odr) =>
        WriteRegister(device, register, (byte)((ReadRegister(device, register) & 0x1F) | (odr << 5)));

    protected override long ReadAvailable(I2cDevice device, List<ImuReading> readings)
    {
        byte src = ReadRegister(device, FifoSrc);                // OVRN bit 6, FSS bits 5:0 (p. 63)
        long lost = (src & 0x40) != 0 ? 1 : 0;                   // overrun: at least the oldest sample was overwritten
        int levels = src & 0x3F;
        Span<byte> g = stackalloc byte[6];
        Span<byte> a = stackalloc byte[6];
        for (int i = 0; i < levels; i++)
        {
            ReadRegisters(device, OutXG, g);                     // gyro then accel of the oldest level, little-endian
            ReadRegisters(device, OutXXl, a);
            const float ak = AccelGPerLsb * ImuReading.StandardGravity, gk = GyroDpsPerLsb * ImuReading.RadiansPerDegree;
            readings.Add(new ImuReading(BinaryPrimitives.ReadInt16LittleEndian(a) * ak, BinaryPrimitives.ReadInt16LittleEndian(a[2..]) * ak,
                BinaryPrimitives.ReadInt16LittleEndian(a[4..]) * ak, BinaryPrimitives.ReadInt16LittleEndian(g) * gk,
                BinaryPrimitives.ReadInt16LittleEndian(g[2..]) * gk, BinaryPrimitives.ReadInt16LittleEndian(g[4..]) * gk));
        }
        return lost;
    }
}
