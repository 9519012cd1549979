using System.Buffers.Binary;
using System.Security.Cryptography;
using EdgeRig.Core;
using K4os.Compression.LZ4;

namespace EdgeRig.Formats;

/// <summary>
/// The chunk format (version 1). A chunk holds consecutive samples of one stream.
/// Raw block: "ERC1", int32 sample count, then per sample: int64 sequence, int64 sensor ticks,
/// int64 host monotonic ns, int64 rig ns, int64 error bound ns, int32 payload length, payload bytes
/// (all little-endian). Stored bytes: the raw block, compressed with the chunk's codec
/// (None, or LZ4 block format). CRC-32C and SHA-256 are computed over the stored bytes.
/// </summary>
public static class ChunkFormat
{
    public static ReadOnlySpan<byte> Magic => "ERC1"u8;
    public const int SampleHeaderSize = 44;

    /// <summary>Codec per modality: JPEG is already compressed; PCM, IMU, LIDAR and GPIO compress well with LZ4.</summary>
    public static ChunkCodec CodecFor(StreamDescriptor d) => d.Encoding == Encodings.Jpeg ? ChunkCodec.None : ChunkCodec.Lz4;

    public static int RawSize(IReadOnlyList<Sample> samples)
    {
        int size = 8;
        foreach (var s in samples) size += SampleHeaderSize + s.Payload.Length;
        return size;
    }

    /// <summary>Encodes samples as one chunk; returns its index entry (Index left for the store to set) and its stored bytes.</summary>
    public static (ChunkInfo Info, byte[] Stored) Encode(StreamDescriptor descriptor, IReadOnlyList<Sample> samples, int index)
    {
        if (samples.Count == 0) throw new ArgumentException("a chunk needs at least one sample", nameof(samples));
        var raw = new byte[RawSize(samples)];
        var span = raw.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], samples.Count);
        int at = 8;
        foreach (var s in samples)
        {
            var h = span[at..];
            BinaryPrimitives.WriteInt64LittleEndian(h, s.Sequence);
            BinaryPrimitives.WriteInt64LittleEndian(h[8..], s.SensorTime.Ticks);
            BinaryPrimitives.WriteInt64LittleEndian(h[16..], s.HostTime.Nanoseconds);
            BinaryPrimitives.WriteInt64LittleEndian(h[24..], s.Rig.Time.Nanoseconds);
            BinaryPrimitives.WriteInt64LittleEndian(h[32..], s.Rig.ErrorBound.Nanoseconds);
            BinaryPrimitives.WriteInt32LittleEndian(h[40..], s.Payload.Length);
            s.Payload.Span.CopyTo(h[SampleHeaderSize..]);
            at += SampleHeaderSize + s.Payload.Length;
        }
        var codec = CodecFor(descriptor);
        byte[] stored = codec == ChunkCodec.Lz4 ? Lz4(raw) : raw;
        var info = new ChunkInfo(descriptor.Id, index, samples[0].Sequence, samples[^1].Sequence, samples.Count,
            samples[0].Rig.Time, samples[^1].Rig.Time, codec, raw.Length, stored.Length,
            Crc32C.Compute(stored), Convert.ToHexStringLower(SHA256.HashData(stored)));
        return (info, stored);
    }

    /// <summary>Decodes stored chunk bytes back into samples after checking the CRC.</summary>
    /// <exception cref="CorruptChunkException">the CRC, the decompressed length or the sample layout is wrong.</exception>
    public static IReadOnlyList<Sample> Decode(ChunkInfo info, ReadOnlySpan<byte> stored)
    {
        Verify(info, stored);
        byte[] raw;
        if (info.Codec == ChunkCodec.Lz4)
        {
            raw = new byte[info.RawLength];
            int n = LZ4Codec.Decode(stored, raw);
            if (n != info.RawLength) throw new CorruptChunkException($"chunk {info.Stream}/{info.Index}: LZ4 block decoded to {n} bytes, expected {info.RawLength}");
        }
        else
        {
            raw = stored.ToArray();
        }
        if (raw.Length < 8 || !raw.AsSpan(0, 4).SequenceEqual(Magic))
            throw new CorruptChunkException($"chunk {info.Stream}/{info.Index}: bad magic");
        int count = BinaryPrimitives.ReadInt32LittleEndian(raw.AsSpan(4));
        var samples = new List<Sample>(count);
        int at = 8;
        for (int i = 0; i < count; i++)
        {
            if (at + SampleHeaderSize > raw.Length) throw new CorruptChunkException($"chunk {info.Stream}/{info.Index}: truncated at sample {i}");
            var h = raw.AsSpan(at);
            int len = BinaryPrimitives.ReadInt32LittleEndian(h[40..]);
            if (len < 0 || at + SampleHeaderSize + len > raw.Length) throw new CorruptChunkException($"chunk {info.Stream}/{info.Index}: payload of sample {i} overruns the chunk");
            samples.Add(new Sample(info.Stream,
                BinaryPrimitives.ReadInt64LittleEndian(h),
                new SensorTime(BinaryPrimitives.ReadInt64LittleEndian(h[8..])),
                new HostTime(BinaryPrimitives.ReadInt64LittleEndian(h[16..])),
                new RigTimestamp(new RigTime(BinaryPrimitives.ReadInt64LittleEndian(h[24..])), new Duration(BinaryPrimitives.ReadInt64LittleEndian(h[32..]))),
                raw.AsMemory(at + SampleHeaderSize, len)));
            at += SampleHeaderSize + len;
        }
        return samples;
    }

    /// <summary>Checks the stored bytes against the chunk's length and CRC-32C.</summary>
    /// <exception cref="CorruptChunkException">they do not match.</exception>
    public static void Verify(ChunkInfo info, ReadOnlySpan<byte> stored)
    {
        if (stored.Length != info.StoredLength)
            throw new CorruptChunkException($"chunk {info.Stream}/{info.Index}: {stored.Length} bytes stored, index says {info.StoredLength}");
        uint crc = Crc32C.Compute(stored);
        if (crc != info.Crc32C)
            throw new CorruptChunkException($"chunk {info.Stream}/{info.Index}: CRC32C {crc:x8} does not match {info.Crc32C:x8}");
    }

    private static byte[] Lz4(byte[] raw)
    {
        var target = new byte[LZ4Codec.MaximumOutputSize(raw.Length)];
        int n = LZ4Codec.Encode(raw, target, LZ4Level.L00_FAST);
        return target.AsSpan(0, n).ToArray();
    }
}
