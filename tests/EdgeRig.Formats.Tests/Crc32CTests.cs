using EdgeRig.Formats;

namespace EdgeRig.Formats.Tests;

/// <summary>CRC-32C's three-chain path against the byte-at-a-time definition, across the lengths where the paths meet.</summary>
public sealed class Crc32CTests
{
    /// <summary>The CRC-32C register, bit by bit (reflected polynomial 0x82F63B78): the definition the fast path must equal.</summary>
    private static uint Reference(uint state, ReadOnlySpan<byte> data)
    {
        foreach (byte b in data)
        {
            state ^= b;
            for (int k = 0; k < 8; k++) state = (state & 1) != 0 ? (state >> 1) ^ 0x82F63B78u : state >> 1;
        }
        return state;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(4096 * 3 - 1)]
    [InlineData(4096 * 3)]
    [InlineData(4096 * 3 + 13)]
    [InlineData(4096 * 7 + 5)]
    [InlineData(1_000_003)]
    public void Append_AnyLength_EqualsTheBitwiseDefinition(int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);

        Assert.Equal(~Reference(0xFFFFFFFFu, data), Crc32C.Compute(data));
        Assert.Equal(Reference(0x12345678u, data), Crc32C.Append(0x12345678u, data));
    }

    [Fact]
    public void Append_InPieces_SameAsWhole()
    {
        var data = new byte[50_000];
        new Random(3).NextBytes(data);

        uint state = Crc32C.Append(0xFFFFFFFFu, data.AsSpan(0, 12_289));
        state = Crc32C.Append(state, data.AsSpan(12_289));

        Assert.Equal(Crc32C.Compute(data), ~state);
    }
}
