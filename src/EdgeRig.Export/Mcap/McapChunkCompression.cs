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

/// <summary>
/// Compresses chunk records, reusing the zstd context and the output storage across chunks (a fresh context per chunk cost a
/// context reset and several large allocations each time). zstd goes through native libzstd 1.5.7 when it loads
/// (<see cref="ZstdNative"/>), else through the managed port: the same bytes either way. Not thread-safe: one chunk at a time.
/// </summary>
internal sealed class McapChunkCompressor : IDisposable
{
    private readonly McapCompression _compression;
    private readonly int _zstdLevel;
    private readonly Compressor? _zstd;
    private nint _nativeZstd;
    private byte[] _output = [];
    private MemoryStream? _lz4;

    /// <param name="nativeZstd">false keeps zstd in the managed port even where libzstd is available (tests compare the two).</param>
    public McapChunkCompressor(McapCompression compression, int zstdLevel, bool nativeZstd = true)
    {
        _compression = compression;
        _zstdLevel = zstdLevel;
        if (compression != McapCompression.Zstd) return;
        if (nativeZstd && ZstdNative.Available) _nativeZstd = ZstdNative.ZSTD_createCCtx();
        if (_nativeZstd == 0) _zstd = new Compressor(zstdLevel);
    }

    /// <summary>True when zstd chunks go through native libzstd.</summary>
    public bool UsesNativeZstd => _nativeZstd != 0;

    /// <summary>The compressed records; valid until the next call. Uncompressed chunks come back as they are, not copied.</summary>
    public ReadOnlyMemory<byte> Compress(ReadOnlyMemory<byte> records)
    {
        switch (_compression)
        {
            case McapCompression.None:
                return records;
            case McapCompression.Zstd:
                int bound = Compressor.GetCompressBound(records.Length);
                if (_output.Length < bound)
                {
                    _output = GC.AllocateUninitializedArray<byte>(bound);
                }
                int written = _nativeZstd != 0
                    ? ZstdNative.Compress(_nativeZstd, records.Span, _output, _zstdLevel)
                    : _zstd!.Wrap(records.Span, _output);
                return _output.AsMemory(0, written);
            case McapCompression.Lz4:
                _lz4 ??= new MemoryStream();
                _lz4.SetLength(0);
                using (var encoder = LZ4Stream.Encode(_lz4, LZ4Level.L00_FAST, 0, leaveOpen: true))
                {
                    encoder.Write(records.Span);
                }
                return _lz4.GetBuffer().AsMemory(0, (int)_lz4.Length);
            default:
                throw new ArgumentOutOfRangeException(nameof(_compression), _compression, "Unknown compression");
        }
    }

    public void Dispose()
    {
        _zstd?.Dispose();
        if (_nativeZstd != 0)
        {
            ZstdNative.ZSTD_freeCCtx(_nativeZstd);
            _nativeZstd = 0;
        }
        _lz4?.Dispose();
    }
}
