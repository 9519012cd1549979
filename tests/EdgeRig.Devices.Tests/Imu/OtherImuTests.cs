using System.Buffers.Binary;
using EdgeRig.Core;
using EdgeRig.Devices.Imu;
using EdgeRig.Timing;

namespace EdgeRig.Devices.Tests.Imu;

public class OtherImuTests
{
    private static float[] Values(Sample s) => Enumerable.Range(0, 6).Select(i => BinaryPrimitives.ReadSingleLittleEndian(s.Payload.Span[(4 * i)..])).ToArray();

    /// <summary>
    /// BNO055 map: CHIP_ID 0xA0, ACC_ID 0xFB, MAG_ID 0x32, GYR_ID 0x0F, SW_REV_ID 0x0308, UNIT_SEL 0x80,
    /// AXIS_MAP_CONFIG 0x24 (datasheet table 4-2).
    /// </summary>
    private static I2cRegisterMap Bno055(byte chipId = 0xA0) =>
        new(0x28, new Dictionary<byte, byte> { [0x00] = chipId, [0x01] = 0xFB, [0x02] = 0x32, [0x03] = 0x0F, [0x04] = 0x08, [0x05] = 0x03, [0x3B] = 0x80, [0x41] = 0x24 });

    private static DeviceProfile Bno055Profile => new() { Id = "imu0", Kind = "imu", Driver = "bno055", RateHz = 100 };

    [Fact]
    public async Task Bno055_WrongChipId_IOExceptionNamingChipAddressAndBoth_NothingWritten()
    {
        var chip = Bno055(0x00);
        await using var imu = new Bno055Imu(Bno055Profile, new SystemRigClock(), () => chip, log: _ => { });
        var e = await Assert.ThrowsAsync<IOException>(() => imu.StartAsync(new CollectingSink(), CancellationToken.None));
        Assert.Contains("bno055 at bus 1 address 0x28: expected CHIP_ID 0xA0, read 0x00", e.Message);
        Assert.Empty(chip.Writes);
    }

    [Fact]
    public async Task Bno055_AmgMode_ReadsInDatasheetUnits_SensorTimeIsHostTime()
    {
        var chip = Bno055();
        BinaryPrimitives.WriteInt16LittleEndian(chip.Registers.AsSpan(0x08 + 4), 981);  // ACC_DATA_Z: 9.81 m/s² at 100 LSB/(m/s²)
        BinaryPrimitives.WriteInt16LittleEndian(chip.Registers.AsSpan(0x14), 900);      // GYR_DATA_X: 1 rad/s at 900 LSB/(rad/s)
        var sink = new CollectingSink();
        await using var imu = new Bno055Imu(Bno055Profile, new SystemRigClock(), () => chip, log: _ => { });
        await imu.StartAsync(sink, CancellationToken.None);
        Assert.True(await sink.WaitFor(s => s.Length >= 3, TimeSpan.FromSeconds(2)));
        await imu.StopAsync();
        Assert.Equal(0x07, chip.Registers[Bno055Imu.OprMode]);
        Assert.Equal(0x82, chip.Registers[Bno055Imu.UnitSel]);
        Assert.Equal(0x00, chip.Registers[Bno055Imu.PwrMode]);             // normal power
        Assert.Equal((0x3D, 0x00), chip.Writes.First(w => w.Register == 0x3D)); // CONFIGMODE before any setting
        var s0 = sink.Snapshot()[0];
        Assert.Equal(9.81f, Values(s0)[2], 4);
        Assert.Equal(1f, Values(s0)[3], 4);
        Assert.Equal(s0.HostTime.Nanoseconds, s0.SensorTime.Ticks);
    }

    [Fact]
    public async Task Bno055_IoErrorsMidStream_CountedLogged_StreamContinues()
    {
        var chip = Bno055();
        var log = new List<string>();
        var sink = new CollectingSink();
        await using var imu = new Bno055Imu(Bno055Profile, new SystemRigClock(), () => chip, log: m => { lock (log) log.Add(m); });
        await imu.StartAsync(sink, CancellationToken.None);
        Assert.True(await sink.WaitFor(s => s.Length >= 2, TimeSpan.FromSeconds(2)));
        chip.Fail(3);
        Assert.True(await sink.WaitFor(_ => imu.IoErrors >= 3, TimeSpan.FromSeconds(2)), $"errors: {imu.IoErrors}");
        int before = sink.Count;
        Assert.True(await sink.WaitFor(s => s.Length >= before + 3, TimeSpan.FromSeconds(2)), "the stream did not continue");
        Assert.Equal(3, imu.IoErrors);
        Assert.Equal(0, imu.Disconnects);
        Assert.Contains(log, l => l.Contains("I2C read failed"));
        var samples = sink.Snapshot();
        Assert.Contains(samples.Zip(samples.Skip(1)), p => p.Second.Sequence > p.First.Sequence + 1); // the lost reads are a sequence gap
    }

    [Fact]
    public async Task Bno055_BusGoneThenBack_ReinitialisedThroughTheBinding_ResumesWithin2s()
    {
        var chip = Bno055();
        var sink = new CollectingSink();
        await using var imu = new Bno055Imu(Bno055Profile, new SystemRigClock(), () => chip, log: _ => { }) { MaxConsecutiveErrors = 3, RetryInterval = TimeSpan.FromMilliseconds(50) };
        await imu.StartAsync(sink, CancellationToken.None);
        chip.Fail(int.MaxValue);
        Assert.True(await sink.WaitFor(_ => !imu.IsConnected, TimeSpan.FromSeconds(2)));
        chip.ResetToDatasheetValues(); // power-cycled: UNIT_SEL back to 0x80, CONFIGMODE
        chip.Fail(0);
        var back = System.Diagnostics.Stopwatch.StartNew();
        int before = sink.Count;
        Assert.True(await sink.WaitFor(s => s.Length > before, TimeSpan.FromSeconds(2)), "no sample within 2 s of the chip coming back");
        Assert.True(back.Elapsed < TimeSpan.FromSeconds(2));
        Assert.Equal(1, imu.Disconnects);
        Assert.Equal(0x82, chip.Registers[Bno055Imu.UnitSel]);
        Assert.Equal(0x07, chip.Registers[Bno055Imu.OprMode]);
    }

    /// <summary>LSM9DS1 accel/gyro map: WHO_AM_I (0x0F) 0x68, CTRL_REG4 0x38, CTRL_REG8 0x04 (datasheet table 21).</summary>
    private sealed class Lsm9ds1Map(byte id = 0x68) : I2cRegisterMap(0x6B, new Dictionary<byte, byte> { [0x0F] = id, [0x1E] = 0x38, [0x22] = 0x04 })
    {
        private readonly Queue<byte[]> _levels = new();

        public void Push(short ax, short ay, short az, short gx, short gy, short gz)
        {
            var b = new byte[12];
            short[] v = [gx, gy, gz, ax, ay, az];
            for (int i = 0; i < 6; i++) BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(2 * i), v[i]);
            lock (_levels) _levels.Enqueue(b);
        }

        private byte[]? _current;

        protected override byte OnRead(byte register)
        {
            lock (_levels)
            {
                if (register == 0x2F) return (byte)Math.Min(32, _levels.Count);
                if (register == 0x18) _current = _levels.Dequeue(); // a FIFO level is popped by reading its gyro output
                if (_current is not null && register is >= 0x18 and <= 0x1D) return _current[register - 0x18];
                if (_current is not null && register is >= 0x28 and <= 0x2D) return _current[6 + register - 0x28];
            }
            return base.OnRead(register);
        }
    }

    [Fact]
    public async Task Lsm9ds1_FifoLevels_DatasheetSensitivities_FifoIndexIsSensorTime()
    {
        var chip = new Lsm9ds1Map();
        var sink = new CollectingSink();
        await using var imu = new Lsm9ds1Imu(new DeviceProfile { Id = "imu0", Kind = "imu", Driver = "lsm9ds1", RateHz = 238, FifoBurst = 4 }, new SystemRigClock(), () => chip, log: _ => { });
        await imu.StartAsync(sink, CancellationToken.None);
        for (int i = 0; i < 10; i++) chip.Push(0, 0, 8197, 0, 0, (short)(1000 + i)); // 8197 × 0.122 mg ≈ 1 g; 1000 × 17.5 m°/s = 17.5 °/s
        Assert.True(await sink.WaitFor(s => s.Length >= 10, TimeSpan.FromSeconds(2)));
        await imu.StopAsync();
        Assert.Equal(0x80 | 0x08, chip.Registers[Lsm9ds1Imu.CtrlReg1G]);  // ODR 238 Hz, 500 °/s
        Assert.Equal(0x80 | 0x10, chip.Registers[Lsm9ds1Imu.CtrlReg6Xl]); // ODR 238 Hz, ±4 g
        Assert.Equal(0xC0, chip.Registers[Lsm9ds1Imu.FifoCtrl]);           // continuous
        Assert.Contains(chip.Writes, w => w is (0x1E, 0x38));              // CTRL_REG4: gyro X, Y, Z on (the binding's write)
        Assert.Equal((Lsm9ds1Imu.CtrlReg8, 0x05), chip.Writes[0]);         // reset before the binding configures
        var samples = sink.Snapshot();
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), samples.Select(s => s.SensorTime.Ticks));
        Assert.Equal(8197 * 0.122e-3f * 9.80665f, Values(samples[0])[2], 3);
        Assert.Equal(1009 * 17.5e-3f * MathF.PI / 180, Values(samples[9])[5], 4);
    }

    [Fact]
    public async Task Lsm9ds1_WrongWhoAmI_IOExceptionNamingChipAddressAndBoth_NothingWritten()
    {
        var chip = new Lsm9ds1Map(0x3D);
        await using var imu = new Lsm9ds1Imu(new DeviceProfile { Id = "imu0", Kind = "imu", Driver = "lsm9ds1", RateHz = 238 }, new SystemRigClock(), () => chip, log: _ => { });
        var e = await Assert.ThrowsAsync<IOException>(() => imu.StartAsync(new CollectingSink(), CancellationToken.None));
        Assert.Contains("lsm9ds1 at bus 1 address 0x6B: expected WHO_AM_I 0x68, read 0x3D", e.Message);
        Assert.Empty(chip.Writes); // the binding checks no identity: without ours, a foreign chip would be written to
    }
}
