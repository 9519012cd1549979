namespace EdgeRig.Export.Mcap;

/// <summary>Incremental CRC-32 (IEEE 802.3, the checksum zlib computes) as MCAP uses it: System.IO.Hashing's vectorised
/// implementation behind the small API the writer and reader use.</summary>
internal readonly struct Crc32
{
    private readonly System.IO.Hashing.Crc32 _hash;

    private Crc32(System.IO.Hashing.Crc32 hash) => _hash = hash;

    /// <summary>Starts a fresh checksum.</summary>
    public static Crc32 Create() => new(new System.IO.Hashing.Crc32());

    /// <summary>Adds bytes to the checksum.</summary>
    public void Append(ReadOnlySpan<byte> data) => _hash.Append(data);

    /// <summary>The checksum of all bytes appended so far.</summary>
    public uint Value => _hash.GetCurrentHashAsUInt32();

    /// <summary>The checksum of one span.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => System.IO.Hashing.Crc32.HashToUInt32(data);
}
