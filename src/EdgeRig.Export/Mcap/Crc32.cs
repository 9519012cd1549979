namespace EdgeRig.Export.Mcap;

/// <summary>Incremental CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the checksum zlib computes.</summary>
internal struct Crc32
{
    private static readonly uint[] Table = BuildTable();
    private uint _state;

    /// <summary>Starts a fresh checksum.</summary>
    public static Crc32 Create() => new() { _state = 0xFFFFFFFFu };

    /// <summary>Adds bytes to the checksum.</summary>
    public void Append(ReadOnlySpan<byte> data)
    {
        uint crc = _state;
        var table = Table;
        foreach (byte b in data)
        {
            crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }
        _state = crc;
    }

    /// <summary>The checksum of all bytes appended so far.</summary>
    public readonly uint Value => _state ^ 0xFFFFFFFFu;

    /// <summary>The checksum of one span.</summary>
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = Create();
        crc.Append(data);
        return crc.Value;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }
            table[i] = c;
        }
        return table;
    }
}
