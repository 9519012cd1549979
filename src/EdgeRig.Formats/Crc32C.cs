using System.Buffers.Binary;
using System.Numerics;

namespace EdgeRig.Formats;

/// <summary>
/// CRC-32C (Castagnoli), as MCAP and iSCSI use it; hardware-accelerated where the CPU has it. <see cref="BitOperations.Crc32C(uint, ulong)"/>
/// is the CPU's CRC instruction on x64 (SSE4.2) and arm64 (the CRC32 extension) and a table in software elsewhere. One chain of
/// those instructions waits on each result (about 3 cycles per 8 bytes on x64), so long inputs run three independent chains
/// over three consecutive blocks and join them: the CRC register is linear, so the state after blocks A, B, C is
/// shift(shift(state after A) ⊕ CRC₀(B)) ⊕ CRC₀(C), where shift carries a state past one block of zero bytes.
/// </summary>
public static class Crc32C
{
    /// <summary>Bytes per block of the three-chain loop: long enough that joining (eight table look-ups) costs nothing.</summary>
    private const int Block = 4096;

    /// <summary>The register state carried past <see cref="Block"/> zero bytes, as four tables (one per state byte); the map is linear.</summary>
    private static readonly uint[] ShiftTables = BuildShiftTables();

    public static uint Compute(ReadOnlySpan<byte> data) => ~Append(0xFFFFFFFFu, data);

    /// <summary>Continues a running (non-inverted) CRC state.</summary>
    public static uint Append(uint state, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 3 * Block)
        {
            uint a = state, b = 0, c = 0;
            for (int i = 0; i < Block; i += 8)
            {
                a = BitOperations.Crc32C(a, BinaryPrimitives.ReadUInt64LittleEndian(data[i..]));
                b = BitOperations.Crc32C(b, BinaryPrimitives.ReadUInt64LittleEndian(data[(Block + i)..]));
                c = BitOperations.Crc32C(c, BinaryPrimitives.ReadUInt64LittleEndian(data[(2 * Block + i)..]));
            }
            state = Shift(Shift(a) ^ b) ^ c;
            data = data[(3 * Block)..];
        }
        while (data.Length >= 8)
        {
            state = BitOperations.Crc32C(state, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (byte b in data)
            state = BitOperations.Crc32C(state, b);
        return state;
    }

    /// <summary>The state after <see cref="Block"/> zero bytes from <paramref name="state"/>.</summary>
    private static uint Shift(uint state) =>
        ShiftTables[(int)(state & 0xFF)] ^ ShiftTables[256 + (int)((state >> 8) & 0xFF)]
        ^ ShiftTables[512 + (int)((state >> 16) & 0xFF)] ^ ShiftTables[768 + (int)(state >> 24)];

    private static uint[] BuildShiftTables()
    {
        var bit = new uint[32];
        for (int i = 0; i < 32; i++)
        {
            uint s = 1u << i;
            for (int k = 0; k < Block; k += 8) s = BitOperations.Crc32C(s, 0UL);
            bit[i] = s;
        }
        var tables = new uint[4 * 256];
        for (int t = 0; t < 4; t++)
            for (int v = 0; v < 256; v++)
                for (int j = 0; j < 8; j++)
                    if ((v & (1 << j)) != 0) tables[256 * t + v] ^= bit[8 * t + j];
        return tables;
    }
}
