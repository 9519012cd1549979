using System.Buffers.Binary;
using System.Device.I2c;
using EdgeRig.Core;

namespace EdgeRig.Devices.Imu;

/// <summary>
/// Bosch BNO055 (driver "bno055", CHIP_ID 0xA0 at address 0x28) in AMG mode: raw accelerometer and gyroscope,
/// polled at the rig rate (the chip has no FIFO and no sample counter, so sensor time is the host time of each
/// read). Units: 1 m/s² = 100 LSB, 1 rad/s = 900 LSB (UNIT_SEL). Datasheet BST-BNO055-DS000 (pages noted beside each).
/// </summary>
public sealed class Bno055Imu : I2cImu
{
    public const byte ChipId = 0x00, AccData = 0x08, GyrData = 0x14, UnitSel = 0x3B, OprMode = 0x3D, PwrMode = 0x3E, SysTrigger = 0x3F;
    public const byte ExpectedChipId = 0xA0;

    public Bno055Imu(DeviceProfile profile, IHostClock clock, Func<I2cDevice>? openBus = null, Func<Stream>? openDataReady = null, Action<string>? log = null)
        : base(profile, DescriptorFor(profile), clock, openBus, openDataReady, log)
    {
    }

    public static StreamDescriptor DescriptorFor(DeviceProfile p) =>
        new(new StreamId(p.StreamName), Modality.Imu, Encodings.Imu6, p.RateHz, "m/s^2,rad/s", p.Id, p.FrameId)
        {
            SensorTickRateHz = 1e9,
            Parameters = new Dictionary<string, string> { ["chip"] = "bno055", ["mode"] = "AMG" },
        };

    protected override int DefaultAddress => 0x28;
    protected override bool CountsSamples => false;

    protected override void Initialize(I2cDevice device)
    {
        byte id = ReadRegister(device, ChipId);
        if (id != ExpectedChipId) throw new IOException($"bno055 at bus {Profile.Bus}: expected CHIP_ID 0x{ExpectedChipId:X2}, read 0x{id:X2}");
        WriteRegister(device, OprMode, 0x00);    // CONFIGMODE before changing settings (p. 21)
        WriteRegister(device, PwrMode, 0x00);    // normal power (p. 19)
        WriteRegister(device, UnitSel, 0x82);    // m/s², rad/s, Android orientation (p. 30)
        WriteRegister(device, OprMode, 0x07);    // AMG: raw accel, mag, gyro, no fusion (p. 22)
    }

    protected override long ReadAvailable(I2cDevice device, List<ImuReading> readings)
    {
        Span<byte> acc = stackalloc byte[6];
        Span<byte> gyr = stackalloc byte[6];
        ReadRegisters(device, AccData, acc);      // ACC_DATA_X_LSB.. little-endian (p. 52)
        ReadRegisters(device, GyrData, gyr);      // GYR_DATA_X_LSB.. (p. 54)
        readings.Add(new ImuReading(BinaryPrimitives.ReadInt16LittleEndian(acc) / 100f, BinaryPrimitives.ReadInt16LittleEndian(acc[2..]) / 100f,
            BinaryPrimitives.ReadInt16LittleEndian(acc[4..]) / 100f, BinaryPrimitives.ReadInt16LittleEndian(gyr) / 900f,
            BinaryPrimitives.ReadInt16LittleEndian(gyr[2..]) / 900f, BinaryPrimitives.ReadInt16LittleEndian(gyr[4..]) / 900f));
        return 0;
    }
}
