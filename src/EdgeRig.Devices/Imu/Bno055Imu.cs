using System.Device.I2c;
using EdgeRig.Core;
using Iot.Device.Bno055;

namespace EdgeRig.Devices.Imu;

/// <summary>
/// Bosch BNO055 (driver "bno055", CHIP_ID 0xA0 at address 0x28) in AMG mode: raw accelerometer and gyroscope,
/// polled at the rig rate (the chip has no FIFO and no sample counter, so sensor time is the host time of each
/// read). Units: 1 m/s² = 100 LSB, 1 rad/s = 900 LSB (UNIT_SEL). Configured and read through Iot.Device.Bindings'
/// <see cref="Bno055Sensor"/>; the identity check before it is ours. Datasheet BST-BNO055-DS000 (pages noted beside each).
/// </summary>
public sealed class Bno055Imu : I2cImu
{
    public const byte ChipId = 0x00, AccData = 0x08, GyrData = 0x14, UnitSel = 0x3B, OprMode = 0x3D, PwrMode = 0x3E, SysTrigger = 0x3F;
    public const byte ExpectedChipId = 0xA0;

    /// <summary>m/s², rad/s, Android orientation: UNIT_SEL 0x82 (p. 30).</summary>
    public const Units OutputUnits = Units.AccelerationMeterPerSecond | Units.AngularRateRotationPerSecond | Units.DataOutputFormatAndroid;

    private Bno055Sensor? _sensor; // the open session's binding: set by Initialize before that session's first read

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

    /// <summary>
    /// CHIP_ID first, read-only; then the binding's constructor selects page 0, enters CONFIGMODE, checks CHIP_ID again,
    /// writes its defaults (normal power, axis map, zero offsets) and sets AMG mode (p. 19-22), 30 ms a mode change;
    /// its <see cref="Bno055Sensor.Units"/> setter writes UNIT_SEL in CONFIGMODE.
    /// </summary>
    protected override void Initialize(I2cDevice device)
    {
        _sensor = null;
        CheckIdentity(device, "CHIP_ID", ChipId, ExpectedChipId);
        try
        {
            var sensor = new Bno055Sensor(device, OperationMode.AccelerometerMagnetometerGyroscope, shouldDispose: false);
            sensor.Units = OutputUnits;
            _sensor = sensor;
        }
        catch (Exception e) when (e.GetType() == typeof(Exception)) // the binding's wrong-CHIP_ID error is a bare Exception
        {
            throw new IOException($"{Where(device)}: {e.Message}", e);
        }
    }

    protected override long ReadAvailable(I2cDevice device, List<ImuReading> readings)
    {
        var sensor = _sensor ?? throw new InvalidOperationException("BNO055 read before it was initialised");
        var a = sensor.Accelerometer;                         // ACC_DATA_X_LSB.., little-endian, /100 in m/s² (p. 52)
        var g = sensor.Gyroscope;                             // GYR_DATA_X_LSB.., /900 in rad/s (p. 54)
        readings.Add(new ImuReading(a.X, a.Y, a.Z, g.X, g.Y, g.Z));
        return 0;
    }
}
