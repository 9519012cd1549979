using System.Buffers;
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
    public const int SampleHeaderSize = Sample.StoredHeaderBytes;

    /// <summary>Codec per modality: JPEG is already compressed; PCM, IMU, LIDAR and GPIO compress well with LZ4.</summary>
    public static ChunkCodec CodecFor(StreamDescriptor d) => d.Encoding == Encodings.Jpeg ? ChunkCodec.None : ChunkCodec.Lz4;

    public static int RawSize(IReadOnlyList<Sample> samples)
    {
        int size = 8;
        foreach (var s in samples) size += SampleHeaderSize + s.Payload.Length;
        return size;
    }

    /// <summary>Encodes samples as one chunk; returns its index entry (with SHA-256) and its stored bytes in one array.</summary>
    public static (ChunkInfo Info, byte[] Stored) Encode(StreamDescriptor descriptor, IReadOnlyList<Sample> samples, int index)
    {
        var (info, pieces) = EncodePieces(descriptor, samples, index);
        byte[] stored = Concat(pieces, info.StoredLength);
        return (info with { Sha256Hex = Convert.ToHexStringLower(SHA256.HashData(stored)) }, stored);
    }

    /// <summary>
    /// Encodes samples as one chunk without copying payloads where the codec stores them as they are (JPEG):
    /// the stored bytes come back as pieces (sample headers interleaved with the payloads themselves) for a
    /// gather write. The CRC-32C is set; the SHA-256 is left empty (the store computes it when first pulled).
    /// </summary>
    public static (ChunkInfo Info, IReadOnlyList<ReadOnlyMemory<byte>> Pieces) EncodePieces(StreamDescriptor descriptor, IReadOnlyList<Sample> samples, int index)
    {
        if (samples.Count == 0) throw new ArgumentException("a chunk needs at least one sample", nameof(samples));
        var codec = CodecFor(descriptor);
        int rawLength = RawSize(samples);
        var headers = new byte[8 + samples.Count * SampleHeaderSize];
        Magic.CopyTo(headers);
        BinaryPrimitives.WriteInt32LittleEndian(headers.AsSpan(4), samples.Count);
        var pieces = new List<ReadOnlyMemory<byte>>(1 + 2 * samples.Count) { headers.AsMemory(0, 8) };
        for (int i = 0; i < samples.Count; i++)
        {
            var s = samples[i];
            var h = headers.AsSpan(8 + i * SampleHeaderSize, SampleHeaderSize);
            BinaryPrimitives.WriteInt64LittleEndian(h, s.Sequence);
            BinaryPrimitives.WriteInt64LittleEndian(h[8..], s.SensorTime.Ticks);
            BinaryPrimitives.WriteInt64LittleEndian(h[16..], s.HostTime.Nanoseconds);
            BinaryPrimitives.WriteInt64LittleEndian(h[24..], s.Rig.Time.Nanoseconds);
            BinaryPrimitives.WriteInt64LittleEndian(h[32..], s.Rig.ErrorBound.Nanoseconds);
            BinaryPrimitives.WriteInt32LittleEndian(h[40..], s.Payload.Length);
            pieces.Add(headers.AsMemory(8 + i * SampleHeaderSize, SampleHeaderSize));
            if (s.Payload.Length > 0) pieces.Add(s.Payload);
        }
        if (codec == ChunkCodec.Lz4)
            pieces = [Lz4(Concat(pieces, rawLength))];
        int storedLength = pieces.Sum(p => p.Length);
        uint crc = 0xFFFFFFFFu;
        foreach (var p in pieces) crc = Crc32C.Append(crc, p.Span);
        var info = new ChunkInfo(descriptor.Id, index, samples[0].Sequence, samples[^1].Sequence, samples.Count,
            samples[0].Rig.Time, samples[^1].Rig.Time, codec, rawLength, storedLength, ~crc, "");
        return (info, pieces);
    }

    public static byte[] Concat(IReadOnlyList<ReadOnlyMemory<byte>> pieces, int length)
    {
        if (pieces.Count == 1 && System.Runtime.InteropServices.MemoryMarshal.TryGetArray(pieces[0], out var seg) && seg.Offset == 0 && seg.Count == seg.Array!.Length)
            return seg.Array;
        var bytes = new byte[length];
        int at = 0;
        foreach (var p in pieces)
        {
            p.Span.CopyTo(bytes.AsSpan(at));
            at += p.Length;
        }
        return bytes;
    }

    /// <summary>Decodes stored chunk bytes back into samples after checking the CRC; the samples get an array of their own.</summary>
    /// <exception cref="CorruptChunkException">the CRC, the decompressed length or the sample layout is wrong.</exception>
    public static IReadOnlyList<Sample> Decode(ChunkInfo info, ReadOnlySpan<byte> stored)
    {
        Verify(info, stored);
        return Parse(info, info.Codec == ChunkCodec.Lz4 ? Lz4Decode(info, stored, new byte[info.RawLength]) : stored.ToArray());
    }

    /// <summary>
    /// As <see cref="Decode"/> without a copy: the payloads point into <paramref name="stored"/> (an uncompressed chunk) or into
    /// a buffer for the decompressed block, rented from <paramref name="pool"/> and handed back in <paramref name="rented"/> for
    /// the caller to return once it is done with the samples (null when nothing was rented, also when this throws), or a new
    /// array of the samples' own without a pool. <paramref name="sha256Verified"/>: the caller has matched the bytes against the
    /// chunk's SHA-256, which settles what its CRC-32C would, so only the length is checked.
    /// </summary>
    /// <exception cref="CorruptChunkException">the CRC, the decompressed length or the sample layout is wrong.</exception>
    public static IReadOnlyList<Sample> DecodeInPlace(ChunkInfo info, ReadOnlyMemory<byte> stored, ArrayPool<byte>? pool, out byte[]? rented,
        bool sha256Verified = false)
    {
        rented = null;
        if (sha256Verified) VerifyLength(info, stored.Length);
        else Verify(info, stored.Span);
        if (info.Codec != ChunkCodec.Lz4) return Parse(info, stored);
        if (pool is null) return Parse(info, Lz4Decode(info, stored.Span, new byte[info.RawLength]));
        var buffer = pool.Rent(info.RawLength);
        try
        {
            var samples = Parse(info, Lz4Decode(info, stored.Span, buffer).AsMemory(0, info.RawLength));
            rented = buffer;
            return samples;
        }
        catch
        {
            pool.Return(buffer);
            throw;
        }
    }

    private static byte[] Lz4Decode(ChunkInfo info, ReadOnlySpan<byte> stored, byte[] target)
    {
        int n = LZ4Codec.Decode(stored, target.AsSpan(0, info.RawLength));
        if (n != info.RawLength) throw new CorruptChunkException($"chunk {info.Stream}/{info.Index}: LZ4 block decoded to {n} bytes, expected {info.RawLength}");
        return target;
    }

    /// <summary>The samples of a raw block; their payloads are slices of it.</summary>
    private static List<Sample> Parse(ChunkInfo info, ReadOnlyMemory<byte> block)
    {
        var raw = block.Span;
        if (raw.Length < 8 || !raw[..4].SequenceEqual(Magic))
            throw new CorruptChunkException($"chunk {info.Stream}/{info.Index}: bad magic");
        int count = BinaryPrimitives.ReadInt32LittleEndian(raw[4..]);
        var samples = new List<Sample>(Math.Clamp(count, 0, raw.Length / SampleHeaderSize));
        int at = 8;
        for (int i = 0; i < count; i++)
        {
            if (at + SampleHeaderSize > raw.Length) throw new CorruptChunkException($"chunk {info.Stream}/{info.Index}: truncated at sample {i}");
            var h = raw[at..];
            int len = BinaryPrimitives.ReadInt32LittleEndian(h[40..]);
            if (len < 0 || at + SampleHeaderSize + len > raw.Length) throw new CorruptChunkException($"chunk {info.Stream}/{info.Index}: payload of sample {i} overruns the chunk");
            samples.Add(new Sample(info.Stream,
                BinaryPrimitives.ReadInt64LittleEndian(h),
                new SensorTime(BinaryPrimitives.ReadInt64LittleEndian(h[8..])),
                new HostTime(BinaryPrimitives.ReadInt64LittleEndian(h[16..])),
                new RigTimestamp(new RigTime(BinaryPrimitives.ReadInt64LittleEndian(h[24..])), new Duration(BinaryPrimitives.ReadInt64LittleEndian(h[32..]))),
                block.Slice(at + SampleHeaderSize, len)));
            at += SampleHeaderSize + len;
        }
        return samples;
    }

    /// <summary>Checks the stored bytes against the chunk's length and CRC-32C.</summary>
    /// <exception cref="CorruptChunkException">they do not match.</exception>
    public static void Verify(ChunkInfo info, ReadOnlySpan<byte> stored)
    {
        VerifyLength(info, stored.Length);
        uint crc = Crc32C.Compute(stored);
        if (crc != info.Crc32C)
            throw new CorruptChunkException($"chunk {info.Stream}/{info.Index}: CRC32C {crc:x8} does not match {info.Crc32C:x8}");
    }

    private static void VerifyLength(ChunkInfo info, int length)
    {
        if (length != info.StoredLength)
            throw new CorruptChunkException($"chunk {info.Stream}/{info.Index}: {length} bytes stored, index says {info.StoredLength}");
    }

    private static byte[] Lz4(byte[] raw)
    {
        var target = new byte[LZ4Codec.MaximumOutputSize(raw.Length)];
        int n = LZ4Codec.Encode(raw, target, LZ4Level.L00_FAST);
        return target.AsSpan(0, n).ToArray();
    }
}
