namespace EdgeRig.Export.Mcap;

/// <summary>
/// Incremental CRC-32 (IEEE 802.3, the checksum zlib computes) as MCAP uses it. Each span is checksummed by System.IO.Hashing's
/// vectorised CRC-32 and joined to the running value with <see cref="Combine"/>, so bytes whose CRC is already known (an
/// uncompressed chunk's records, checksummed for the Chunk record) join the data-section CRC without being read again.
/// </summary>
internal struct Crc32
{
    /// <summary>The CRC-32 polynomial in reflected bit order.</summary>
    private const uint Polynomial = 0xEDB88320u;

    /// <summary>x^(2^k) modulo the polynomial, k = 0..31: the powers <see cref="ShiftByBytes"/> multiplies together.</summary>
    private static readonly uint[] PowersOfTwo = BuildPowersOfTwo();

    private uint _value;

    /// <summary>Starts a fresh checksum.</summary>
    public static Crc32 Create() => default;

    /// <summary>Adds bytes to the checksum.</summary>
    public void Append(ReadOnlySpan<byte> data) => _value = Combine(_value, Compute(data), data.Length);

    /// <summary>Adds <paramref name="length"/> bytes whose own CRC-32 is <paramref name="crc"/>, without reading them.</summary>
    public void AppendChecksummed(uint crc, long length) => _value = Combine(_value, crc, length);

    /// <summary>The checksum of all bytes appended so far.</summary>
    public readonly uint Value => _value;

    /// <summary>The checksum of one span.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => System.IO.Hashing.Crc32.HashToUInt32(data);

    /// <summary>
    /// The CRC-32 of A followed by B from the CRC-32 of A, the CRC-32 of B and B's length: CRC(A) carried past B's length
    /// (a multiplication by x^(8·length) modulo the polynomial) plus CRC(B). The CRC of no bytes is 0, so Combine(0, c, n) = c.
    /// </summary>
    public static uint Combine(uint crcA, uint crcB, long lengthB) =>
        lengthB <= 0 ? crcA ^ crcB : Multiply(ShiftByBytes(lengthB), crcA) ^ crcB;

    /// <summary>x^(8·bytes) modulo the polynomial.</summary>
    private static uint ShiftByBytes(long bytes)
    {
        uint product = 1u << 31; // the polynomial 1 (x^0) in reflected order
        int k = 3;                // 8·bytes = bytes·2^3
        for (ulong n = (ulong)bytes; n != 0; n >>= 1, k++)
        {
            if ((n & 1) != 0)
            {
                product = Multiply(PowersOfTwo[k & 31], product);
            }
        }
        return product;
    }

    /// <summary>a·b modulo the polynomial, both in reflected bit order (bit 31 is x^0).</summary>
    private static uint Multiply(uint a, uint b)
    {
        uint product = 0;
        for (uint bit = 1u << 31; bit != 0; bit >>= 1)
        {
            if ((a & bit) != 0)
            {
                product ^= b;
            }
            b = (b & 1) != 0 ? (b >> 1) ^ Polynomial : b >> 1;
        }
        return product;
    }

    private static uint[] BuildPowersOfTwo()
    {
        var powers = new uint[32];
        uint p = 1u << 30; // x^1
        for (int k = 0; k < powers.Length; k++)
        {
            powers[k] = p;
            p = Multiply(p, p);
        }
        return powers;
    }
}
