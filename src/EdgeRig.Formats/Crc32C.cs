using System.Buffers.Binary;
using System.Numerics;

namespace EdgeRig.Formats;

/// <summary>CRC-32C (Castagnoli), as MCAP and iSCSI use it; hardware-accelerated where the CPU has it.</summary>
public static class Crc32C
{
    public static uint Compute(ReadOnlySpan<byte> data) => ~Append(0xFFFFFFFFu, data);

    /// <summary>Continues a running (non-inverted) CRC state.</summary>
    public static uint Append(uint state, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            state = BitOperations.Crc32C(state, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (byte b in data)
            state = BitOperations.Crc32C(state, b);
        return state;
    }
}
