using System.Device.I2c;

namespace EdgeRig.Devices.Tests.Imu;

/// <summary>
/// A simulated I2C chip: 256 registers seeded with the datasheet's reset values, a register pointer set by the
/// first byte written and auto-incremented, FIFO data registers that pop a queue, and injectable bus errors.
/// </summary>
internal class I2cRegisterMap : I2cDevice
{
    private readonly byte[] _reset;
    private readonly Queue<byte> _fifo = new();
    private int _failures;

    public I2cRegisterMap(int address, IReadOnlyDictionary<byte, byte> resetValues)
    {
        ConnectionSettings = new I2cConnectionSettings(1, address);
        _reset = new byte[256];
        foreach (var (r, v) in resetValues) _reset[r] = v;
        Registers = (byte[])_reset.Clone();
    }

    public override I2cConnectionSettings ConnectionSettings { get; }
    public byte[] Registers { get; }
    public List<(byte Register, byte Value)> Writes { get; } = [];
    public byte Pointer { get; private set; }

    /// <summary>Registers read from the FIFO queue instead of the map (no auto-increment).</summary>
    public HashSet<byte> FifoDataRegisters { get; } = [];

    public int FifoCount { get { lock (_fifo) return _fifo.Count; } }

    public void PushFifo(ReadOnlySpan<byte> bytes) { lock (_fifo) foreach (byte b in bytes) _fifo.Enqueue(b); }

    public void ClearFifo() { lock (_fifo) _fifo.Clear(); }

    /// <summary>The next <paramref name="transactions"/> bus transactions fail as a NAK or a pulled cable would.</summary>
    public void Fail(int transactions) => Interlocked.Exchange(ref _failures, transactions);

    public void ResetToDatasheetValues() => _reset.CopyTo(Registers, 0);

    private void MaybeFail()
    {
        if (Interlocked.Decrement(ref _failures) >= 0) throw new IOException("Remote I/O error (simulated)");
        Interlocked.Exchange(ref _failures, 0);
    }

    public override byte ReadByte()
    {
        Span<byte> b = stackalloc byte[1];
        Read(b);
        return b[0];
    }

    public override void Read(Span<byte> buffer)
    {
        MaybeFail();
        lock (_fifo)
            for (int i = 0; i < buffer.Length; i++)
            {
                if (FifoDataRegisters.Contains(Pointer)) { buffer[i] = _fifo.Count > 0 ? _fifo.Dequeue() : (byte)0; continue; }
                buffer[i] = OnRead(Pointer);
                Pointer++;
            }
    }

    public override void WriteByte(byte value) => Write([value]);

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        MaybeFail();
        if (buffer.IsEmpty) return;
        Pointer = buffer[0];
        foreach (byte v in buffer[1..])
        {
            lock (_fifo) Writes.Add((Pointer, v));
            OnWrite(Pointer, v);
            Pointer++;
        }
    }

    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        Write(writeBuffer);
        Read(readBuffer);
    }

    protected virtual byte OnRead(byte register) => Registers[register];

    protected virtual void OnWrite(byte register, byte value) => Registers[register] = value;
}

/// <summary>MPU-6050 register map (RM-MPU-6000A rev 4.2): PWR_MGMT_1 resets to 0x40 (asleep), WHO_AM_I 0x68.</summary>
internal class Mpu6050RegisterMap : I2cRegisterMap
{
    public Mpu6050RegisterMap(byte whoAmI = 0x68)
        : this(new Dictionary<byte, byte> { [0x6B] = 0x40, [0x75] = whoAmI })
    {
    }

    protected Mpu6050RegisterMap(IReadOnlyDictionary<byte, byte> resetValues)
        : base(0x68, resetValues)
    {
    }

    public bool Overflowed { get; set; }

    public void PushSample(short ax, short ay, short az, short gx, short gy, short gz)
    {
        var b = new byte[12];
        short[] v = [ax, ay, az, gx, gy, gz];
        for (int i = 0; i < 6; i++) System.Buffers.Binary.BinaryPrimitives.WriteInt16BigEndian(b.AsSpan(2 * i), v[i]);
        PushFifo(b);
    }

    protected override byte OnRead(byte register) => register switch
    {
        0x72 => (byte)(FifoCount >> 8),
        0x73 => (byte)FifoCount,
        0x3A => TakeOverflow(),
        _ => base.OnRead(register),
    };

    private byte TakeOverflow()
    {
        bool o = Overflowed;
        Overflowed = false;
        return o ? (byte)0x11 : (byte)0x01;
    }

    protected override void OnWrite(byte register, byte value)
    {
        if (register == 0x6B && (value & 0x80) != 0) { ResetToDatasheetValues(); return; } // DEVICE_RESET, self-clearing
        if (register == 0x6A && (value & 0x04) != 0) ClearFifo();
        base.OnWrite(register, (byte)(register == 0x6A ? value & ~0x04 : value));
    }
}

/// <summary>
/// MPU-9250 register map (RM-MPU-9250A-00 rev 1.6): PWR_MGMT_1 resets to 0x01, WHO_AM_I 0x71 (0x73 on the MPU-9255).
/// Its AK8963 magnetometer (address 0x0C; WIA 0x48, CNTL1 0x0A, CNTL2 0x0B with SRST) sits behind the chip's I2C
/// master: with I2C_MST_EN set, enabling slave 0 (I2C_SLV0_CTRL bit 7) runs one transaction to the address in
/// I2C_SLV0_ADDR (bit 7: read) at I2C_SLV0_REG, reading I2C_SLV0_CTRL[3:0] bytes into EXT_SENS_DATA_00.. or writing
/// I2C_SLV0_DO (registers 37-39, 73, 99). Without the magnetometer nobody answers and EXT_SENS_DATA keeps its value.
/// </summary>
internal sealed class Mpu9250RegisterMap(byte whoAmI = 0x71, bool magnetometer = true)
    : Mpu6050RegisterMap(new Dictionary<byte, byte> { [0x6B] = 0x01, [0x75] = whoAmI })
{
    private const byte Slv0Addr = 0x25, Slv0Reg = 0x26, Slv0Ctrl = 0x27, ExtSensData00 = 0x49, Slv0Do = 0x63, UserCtrl = 0x6A;
    private const byte Ak8963Address = 0x0C, Cntl2 = 0x0B;

    private static readonly byte[] Ak8963Reset = [0x48, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xB0, 0xB2, 0xA5];

    /// <summary>The AK8963's registers 0x00..0x12; ASAX..ASAZ (0x10..0x12) hold example fuse-ROM adjustments.</summary>
    public byte[] Ak8963 { get; } = (byte[])Ak8963Reset.Clone();

    protected override void OnWrite(byte register, byte value)
    {
        base.OnWrite(register, value);
        if (register == Slv0Ctrl && (value & 0x80) != 0 && (Registers[UserCtrl] & 0x20) != 0) RunSlave0();
    }

    private void RunSlave0()
    {
        byte address = Registers[Slv0Addr];
        byte register = Registers[Slv0Reg];
        if (!magnetometer || (address & 0x7F) != Ak8963Address) return;
        if ((address & 0x80) != 0)
        {
            for (int i = 0; i < (Registers[Slv0Ctrl] & 0x0F) && register + i < Ak8963.Length; i++) Registers[ExtSensData00 + i] = Ak8963[register + i];
            return;
        }
        if (register == Cntl2 && (Registers[Slv0Do] & 0x01) != 0) { Ak8963Reset.CopyTo(Ak8963, 0); return; } // SRST
        if (register < Ak8963.Length) Ak8963[register] = Registers[Slv0Do];
    }
}
