using System.Buffers.Binary;
using System.IO.Pipes;
using EdgeRig.Core;
using EdgeRig.Devices.Hotplug;
using EdgeRig.Devices.Imu;
using EdgeRig.Timing;
using EdgeRig.Timing.Gpio;

namespace EdgeRig.Devices.Tests.Imu;

public class Mpu6050ImuTests
{
    private static DeviceProfile Profile(string driver = "mpu6050") =>
        new() { Id = "imu0", Kind = "imu", Driver = driver, Bus = 1, Address = 0x68, RateHz = 500, FifoBurst = 4 };

    private static float[] Values(Sample s) => Enumerable.Range(0, 6).Select(i => BinaryPrimitives.ReadSingleLittleEndian(s.Payload.Span[(4 * i)..])).ToArray();

    /// <summary>The chip a rig names and what its WHO_AM_I says: MPU-6050, MPU-9250 (with its AK8963), MPU-9255.</summary>
    private static Mpu6050RegisterMap Chip(string driver, byte id) => driver == "mpu9250" ? new Mpu9250RegisterMap(id) : new Mpu6050RegisterMap(id);

    [Theory]
    [InlineData("mpu6050", 0x00, "mpu6050 at bus 1 address 0x68: expected WHO_AM_I 0x68, read 0x00")]
    [InlineData("mpu9250", 0x68, "mpu9250 at bus 1 address 0x68: expected WHO_AM_I 0x71 or 0x73, read 0x68")]
    public async Task WrongWhoAmI_StartThrowsIOExceptionNamingChipAddressExpectedAndRead_NothingWritten(string driver, byte id, string message)
    {
        var chip = Chip(driver, id);
        await using var imu = new Mpu6050Imu(Profile(driver), new SystemRigClock(), () => chip, log: _ => { });
        var e = await Assert.ThrowsAsync<IOException>(() => imu.StartAsync(new CollectingSink(), CancellationToken.None));
        Assert.Contains(message, e.Message);
        Assert.Empty(chip.Writes); // another chip at the address gets no reset from the binding
    }

    [Theory]
    [InlineData("mpu6050", 0x68, 0x40)] // Iot.Device.Imu.Mpu6050
    [InlineData("mpu9250", 0x71, 0x60)] // Iot.Device.Imu.Mpu9250: its I2C master (I2C_MST_EN) stays on for the AK8963
    [InlineData("mpu9250", 0x73, 0x40)] // MPU-9255, by registers
    public async Task Start_ConfiguresRateRangesAndFifo_AsTheRegisterMapSays(string driver, byte id, byte userCtrl)
    {
        var chip = Chip(driver, id);
        chip.FifoDataRegisters.Add(Mpu6050Imu.FifoRw);
        await using var imu = new Mpu6050Imu(Profile(driver), new SystemRigClock(), () => chip, log: _ => { });
        await imu.StartAsync(new CollectingSink(), CancellationToken.None);
        await imu.StopAsync();
        Assert.Equal(0x01, chip.Registers[Mpu6050Imu.PwrMgmt1]);   // awake, PLL
        Assert.Equal(0x01, chip.Registers[Mpu6050Imu.Config]);     // DLPF_CFG 1: 1 kHz internal rate
        Assert.Equal(1, chip.Registers[Mpu6050Imu.SmplrtDiv]);     // 1 kHz / (1 + 1) = 500 Hz
        Assert.Equal(0x08, chip.Registers[Mpu6050Imu.GyroConfig]); // ±500 °/s
        Assert.Equal(0x08, chip.Registers[Mpu6050Imu.AccelConfig]);// ±4 g
        Assert.Equal(0x78, chip.Registers[Mpu6050Imu.FifoEn]);
        Assert.Equal(0x01, chip.Registers[Mpu6050Imu.IntEnable]);  // DATA_RDY_EN
        Assert.Equal(userCtrl, chip.Registers[Mpu6050Imu.UserCtrl]);
        Assert.Contains(chip.Writes, w => w is (Mpu6050Imu.PwrMgmt1, 0x80)); // DEVICE_RESET
        Assert.Equal(500, imu.Descriptor.SensorTickRateHz);
        Assert.Equal(333.333, Mpu6050Imu.ActualRateHz(400), 3);    // 400 Hz is not a divider of 1 kHz: the chip's rate is reported
    }

    [Fact]
    public async Task Mpu9250_BindingBringsUpTheAk8963BehindTheI2cMaster()
    {
        var chip = new Mpu9250RegisterMap();
        await using var imu = new Mpu6050Imu(Profile("mpu9250"), new SystemRigClock(), () => chip, log: _ => { });
        await imu.StartAsync(new CollectingSink(), CancellationToken.None);
        await imu.StopAsync();
        Assert.Equal(0x01, chip.Ak8963[0x0A]); // CNTL1: single measurement, 14-bit, the binding's last step
    }

    [Fact]
    public async Task Mpu9250_MagnetometerNotAnswering_StartThrowsIOExceptionNamingChipAndAddress()
    {
        var chip = new Mpu9250RegisterMap(magnetometer: false);
        await using var imu = new Mpu6050Imu(Profile("mpu9250"), new SystemRigClock(), () => chip, log: _ => { });
        var e = await Assert.ThrowsAsync<IOException>(() => imu.StartAsync(new CollectingSink(), CancellationToken.None));
        Assert.StartsWith("mpu9250 at bus 1 address 0x68: ", e.Message);
        Assert.Contains("AK8963", e.Message);
    }

    [Theory]
    [InlineData("mpu6050", 0x68)]
    [InlineData("mpu9250", 0x71)]
    [InlineData("mpu9250", 0x73)]
    public async Task FifoSamples_DatasheetScaling_FifoIndexIsSensorTime(string driver, byte id)
    {
        var chip = Chip(driver, id);
        chip.FifoDataRegisters.Add(Mpu6050Imu.FifoRw);
        var sink = new CollectingSink();
        await using var imu = new Mpu6050Imu(Profile(driver), new SystemRigClock(), () => chip, log: _ => { });
        await imu.StartAsync(sink, CancellationToken.None);
        for (int i = 0; i < 30; i++) chip.PushSample((short)(100 * i), -4096, 8192, 655, -655, 0);
        Assert.True(await sink.WaitFor(s => s.Length >= 30, TimeSpan.FromSeconds(3)), $"got {sink.Count}");
        var samples = sink.Snapshot();
        for (int i = 0; i < 30; i++)
        {
            Assert.Equal(i, samples[i].SensorTime.Ticks);
            Assert.Equal(i, samples[i].Sequence);
            var v = Values(samples[i]);
            Assert.Equal(100 * i / 8192f * 9.80665f, v[0], 4);
            Assert.Equal(-0.5f * 9.80665f, v[1], 4);    // -4096 LSB at 8192 LSB/g
            Assert.Equal(9.80665f, v[2], 4);           // 1 g
            Assert.Equal(10 * MathF.PI / 180, v[3], 4); // 655 LSB at 65.5 LSB/(°/s) = 10 °/s
            Assert.Equal(-10 * MathF.PI / 180, v[4], 4);
        }
    }

    [Fact]
    public async Task IoErrorsMidStream_CountedLogged_StreamContinuesWithASequenceGap()
    {
        var chip = new Mpu6050RegisterMap();
        chip.FifoDataRegisters.Add(Mpu6050Imu.FifoRw);
        var log = new List<string>();
        var sink = new CollectingSink();
        await using var imu = new Mpu6050Imu(Profile(), new SystemRigClock(), () => chip, log: m => { lock (log) log.Add(m); });
        await imu.StartAsync(sink, CancellationToken.None);
        for (int i = 0; i < 8; i++) chip.PushSample(0, 0, 8192, 0, 0, 0);
        Assert.True(await sink.WaitFor(s => s.Length >= 8, TimeSpan.FromSeconds(30)));
        chip.Fail(3);
        Assert.True(await sink.WaitFor(_ => imu.IoErrors >= 3, TimeSpan.FromSeconds(30)), $"errors: {imu.IoErrors}");
        await Task.Delay(50);
        for (int i = 0; i < 8; i++) chip.PushSample(0, 0, 8192, 0, 0, 0);
        Assert.True(await sink.WaitFor(s => s.Length >= 16, TimeSpan.FromSeconds(30)), $"the stream did not continue: {sink.Count}");
        var samples = sink.Snapshot();

        Assert.Equal(3, imu.IoErrors);
        Assert.Equal(0, imu.Disconnects);
        Assert.Contains(log, l => l.Contains("I2C read failed"));
        Assert.True(samples[8].Sequence > samples[7].Sequence + 1, "lost samples must show as a sequence gap");
        Assert.True(samples[8].SensorTime.Ticks > samples[7].SensorTime.Ticks + 1);
        Assert.Contains(chip.Writes, w => w is (Mpu6050Imu.UserCtrl, 0x44)); // FIFO reset after losing alignment
    }

    [Fact]
    public async Task BusGoneThenBack_ReportedAsGap_ChipReinitialisedAndStreamResumes()
    {
        var chip = new Mpu6050RegisterMap();
        chip.FifoDataRegisters.Add(Mpu6050Imu.FifoRw);
        var events = new List<DeviceLinkEvent>();
        var sink = new CollectingSink();
        await using var imu = new Mpu6050Imu(Profile(), new SystemRigClock(), () => chip, log: _ => { }) { MaxConsecutiveErrors = 5, RetryInterval = TimeSpan.FromMilliseconds(50) };
        imu.LinkChanged += e => { lock (events) events.Add(e); };
        await imu.StartAsync(sink, CancellationToken.None);
        chip.Fail(int.MaxValue);
        Assert.True(await sink.WaitFor(_ => !imu.IsConnected, TimeSpan.FromSeconds(3)));
        chip.Fail(0);
        chip.ResetToDatasheetValues(); // power-cycled
        Assert.True(await sink.WaitFor(_ => imu.IsConnected, TimeSpan.FromSeconds(2)));
        chip.PushSample(0, 0, 8192, 0, 0, 0);
        Assert.True(await sink.WaitFor(s => s.Length >= 1, TimeSpan.FromSeconds(2)));
        Assert.Equal([false, true], events.Select(e => e.Connected));
        Assert.Equal(0x01, chip.Registers[Mpu6050Imu.PwrMgmt1]);
    }

    [Fact]
    public async Task DataReadyLineWired_NewestSampleStampedWithTheKernelEdgeTime()
    {
        var chip = new Mpu6050RegisterMap();
        chip.FifoDataRegisters.Add(Mpu6050Imu.FifoRw);
        var clock = new SystemRigClock();
        using var pipe = new AnonymousPipeServerStream(PipeDirection.Out);
        var edges = new AnonymousPipeClientStream(PipeDirection.In, pipe.ClientSafePipeHandle);
        var sink = new CollectingSink();
        await using var imu = new Mpu6050Imu(Profile() with { DataReadyLine = 27 }, clock, () => chip, () => edges, _ => { });
        await imu.StartAsync(sink, CancellationToken.None);
        long edgeNs = clock.Now.Nanoseconds - 3_000_000;
        pipe.Write(GpioV2Abi.EncodeEvent(new GpioEdgeEvent(edgeNs, true, 27, 1, 1)));
        await Task.Delay(30);
        chip.PushSample(0, 0, 8192, 0, 0, 0);
        Assert.True(await sink.WaitFor(s => s.Length >= 1, TimeSpan.FromSeconds(2)));
        Assert.Equal(edgeNs, sink.Snapshot()[0].HostTime.Nanoseconds);
        pipe.Dispose(); // EOF ends the edge reader: disposing a pipe's read end while a thread reads it waits for that read (Linux)
        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await imu.StopAsync();
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(1), $"stop took {stopping.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task FifoOverflow_CountedAsLostSamples_FifoReset()
    {
        var chip = new Mpu6050RegisterMap { Overflowed = false };
        chip.FifoDataRegisters.Add(Mpu6050Imu.FifoRw);
        var sink = new CollectingSink();
        await using var imu = new Mpu6050Imu(Profile(), new SystemRigClock(), () => chip, log: _ => { });
        await imu.StartAsync(sink, CancellationToken.None);
        chip.Overflowed = true;
        Assert.True(await sink.WaitFor(_ => imu.LostSamples > 0, TimeSpan.FromSeconds(2)));
        chip.PushSample(0, 0, 8192, 0, 0, 0);
        Assert.True(await sink.WaitFor(s => s.Length >= 1, TimeSpan.FromSeconds(2)));
        Assert.Equal(1024 / 12, sink.Snapshot()[0].SensorTime.Ticks); // the full FIFO's worth is skipped
    }
}
