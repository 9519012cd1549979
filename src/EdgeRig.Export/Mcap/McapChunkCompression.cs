using K4os.Compression.LZ4;
using K4os.Compression.LZ4.Streams;
using ZstdSharp;

namespace EdgeRig.Export.Mcap;

/// <summary>Compresses and decompresses chunk records for the compression names MCAP registers.</summary>
internal static class McapChunkCompression
{
    public static string NameOf(McapCompression compression) => compression switch
    {
        McapCompression.None => McapConstants.CompressionNone,
        McapCompression.Zstd => McapConstants.CompressionZstd,
        McapCompression.Lz4 => McapConstants.CompressionLz4,
        _ => throw new ArgumentOutOfRangeException(nameof(compression), compression, "Unknown compression"),
    };

    public static byte[] Compress(McapCompression compression, ReadOnlySpan<byte> data, int zstdLevel)
    {
        switch (compression)
        {
            case McapCompression.None:
                return data.ToArray();
            case McapCompression.Zstd:
                using (var compressor = new Compressor(zstdLevel))
                {
                    return compressor.Wrap(data).ToArray();
                }
            case McapCompression.Lz4:
                using (var output = new MemoryStream())
                {
                    using (var encoder = LZ4Stream.Encode(output, LZ4Level.L00_FAST, 0, leaveOpen: true))
                    {
                        encoder.Write(data);
                    }
                    return output.ToArray();
                }
            default:
                throw new ArgumentOutOfRangeException(nameof(compression), compression, "Unknown compression");
        }
    }

    /// <summary>Returns the chunk's uncompressed records, checking the declared size.</summary>
    public static byte[] Decompress(Chunk chunk, long offset)
    {
        if (chunk.UncompressedSize > int.MaxValue)
        {
            throw new McapFormatException($"Chunk at offset {offset}: uncompressed size {chunk.UncompressedSize} is too large");
        }
        int size = (int)chunk.UncompressedSize;
        byte[] result;
        try
        {
            result = chunk.Compression switch
            {
                McapConstants.CompressionNone => chunk.Records,
                McapConstants.CompressionZstd => DecompressZstd(chunk.Records, size),
                McapConstants.CompressionLz4 => DecompressLz4(chunk.Records, size),
                _ => throw new McapFormatException($"Chunk at offset {offset}: unsupported compression '{chunk.Compression}'"),
            };
        }
        catch (Exception e) when (e is not McapFormatException)
        {
            throw new McapFormatException($"Chunk at offset {offset}: {chunk.Compression} data is corrupt ({e.Message})", e);
        }
        if (result.Length != size)
        {
            throw new McapFormatException(
                $"Chunk at offset {offset}: uncompressed size is {result.Length} bytes, record declares {size}");
        }
        return result;
    }

    private static byte[] DecompressZstd(byte[] data, int size)
    {
        var result = new byte[size];
        using var decompressor = new Decompressor();
        int written = decompressor.Unwrap(data, result);
        return written == size ? result : result[..written];
    }

    private static byte[] DecompressLz4(byte[] data, int size)
    {
        using var decoder = LZ4Stream.Decode(new MemoryStream(data), 0, leaveOpen: false);
        using var output = new MemoryStream(size);
        decoder.CopyTo(output);
        return output.ToArray();
    }
}
