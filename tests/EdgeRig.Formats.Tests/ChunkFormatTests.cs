using EdgeRig.Core;
using EdgeRig.Formats;

namespace EdgeRig.Formats.Tests;

public class ChunkFormatTests
{
    internal static StreamDescriptor Stream(string encoding = Encodings.Imu6) =>
        new(new StreamId("s0"), Modality.Imu, encoding, 400, "", "d", "f");

    internal static List<Sample> Samples(int count, int payloadSize, long firstSeq = 0)
    {
        var random = new Random(count);
        return Enumerable.Range(0, count).Select(i =>
        {
            var payload = new byte[payloadSize];
            for (int j = 0; j < payload.Length; j++) payload[j] = (byte)(j % 7 == 0 ? random.Next(256) : i);
            return new Sample(new StreamId("s0"), firstSeq + i, new SensorTime(1000 + i), new HostTime(5_000_000 + i * 2_500_000L),
                new RigTimestamp(new RigTime(1_700_000_000_000_000_000 + i * 2_500_000L), new Duration(1200 + i)), payload);
        }).ToList();
    }

    [Theory]
    [InlineData(1, 24, Encodings.Imu6)]
    [InlineData(10, 1920, Encodings.PcmS16Le)]
    [InlineData(10_000, 24, Encodings.Imu6)]
    [InlineData(10, 100_000, Encodings.Jpeg)]
    [InlineData(3, 0, Encodings.GpioEdge)]
    public void EncodeDecode_RoundTripsEverySample(int count, int payloadSize, string encoding)
    {
        var samples = Samples(count, payloadSize);
        var (info, stored) = ChunkFormat.Encode(Stream(encoding), samples, 7);
        Assert.Equal(7, info.Index);
        Assert.Equal(count, info.Count);
        Assert.Equal(samples[0].Sequence, info.FirstSequence);
        Assert.Equal(samples[^1].Rig.Time, info.LastRigTime);
        Assert.Equal(encoding == Encodings.Jpeg ? ChunkCodec.None : ChunkCodec.Lz4, info.Codec);
        var decoded = ChunkFormat.Decode(info, stored);
        Assert.Equal(count, decoded.Count);
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(samples[i].Sequence, decoded[i].Sequence);
            Assert.Equal(samples[i].SensorTime, decoded[i].SensorTime);
            Assert.Equal(samples[i].HostTime, decoded[i].HostTime);
            Assert.Equal(samples[i].Rig, decoded[i].Rig);
            Assert.True(samples[i].Payload.Span.SequenceEqual(decoded[i].Payload.Span));
        }
    }

    [Theory]
    [InlineData(Encodings.Jpeg, 100_000)]   // stored as it is: the payloads are slices of the stored bytes
    [InlineData(Encodings.Imu6, 24)]        // LZ4: the block is decompressed into one rented buffer
    public void DecodeInPlace_SameSamplesAsDecode_WithoutACopyOfTheirOwn(string encoding, int payloadSize)
    {
        var (info, stored) = ChunkFormat.Encode(Stream(encoding), Samples(40, payloadSize), 0);
        var pool = new CountingPool();

        var inPlace = ChunkFormat.DecodeInPlace(info, stored, pool, out byte[]? rented);

        var copied = ChunkFormat.Decode(info, stored);
        Assert.Equal(copied.Select(s => (s.Sequence, s.SensorTime, s.HostTime, s.Rig)), inPlace.Select(s => (s.Sequence, s.SensorTime, s.HostTime, s.Rig)));
        Assert.All(copied.Zip(inPlace), p => Assert.True(p.First.Payload.Span.SequenceEqual(p.Second.Payload.Span)));
        byte[] expectedBacking = info.Codec == ChunkCodec.None ? stored : rented!;
        Assert.Equal(info.Codec == ChunkCodec.None ? 0 : 1, pool.Rented);
        Assert.All(inPlace, s => Assert.Same(expectedBacking, System.Runtime.InteropServices.MemoryMarshal.TryGetArray(s.Payload, out var segment) ? segment.Array : null));
    }

    [Fact]
    public void DecodeInPlace_BlockThatDoesNotDecode_ThrowsAndGivesTheBufferBack()
    {
        var (info, stored) = ChunkFormat.Encode(Stream(), Samples(50, 24), 0);
        var pool = new CountingPool();

        Assert.Throws<CorruptChunkException>(() => ChunkFormat.DecodeInPlace(info with { RawLength = info.RawLength + 16 }, stored, pool, out _));

        Assert.Equal(1, pool.Rented);
        Assert.Equal(1, pool.Returned);
    }

    [Fact]
    public void DecodeInPlace_AfterASha256Check_SkipsOnlyTheCrc_TheLengthAndLayoutStillChecked()
    {
        var (info, stored) = ChunkFormat.Encode(Stream(Encodings.Jpeg), Samples(5, 1000), 0);

        Assert.Equal(5, ChunkFormat.DecodeInPlace(info with { Crc32C = info.Crc32C ^ 1 }, stored, null, out _, sha256Verified: true).Count);
        Assert.Contains("CRC32C", Assert.Throws<CorruptChunkException>(() => ChunkFormat.DecodeInPlace(info with { Crc32C = info.Crc32C ^ 1 }, stored, null, out _)).Message);
        Assert.Contains("bytes stored", Assert.Throws<CorruptChunkException>(() => ChunkFormat.DecodeInPlace(info, stored.AsMemory(0, stored.Length - 1), null, out _, sha256Verified: true)).Message);
        stored[5] ^= 0x7F; // the sample count
        Assert.Throws<CorruptChunkException>(() => ChunkFormat.DecodeInPlace(info, stored, null, out _, sha256Verified: true));
    }

    /// <summary>An array pool that counts what it lends and gets back.</summary>
    private sealed class CountingPool : System.Buffers.ArrayPool<byte>
    {
        public int Rented { get; private set; }
        public int Returned { get; private set; }

        public override byte[] Rent(int minimumLength)
        {
            Rented++;
            return new byte[minimumLength + 100];
        }

        public override void Return(byte[] array, bool clearArray = false) => Returned++;
    }

    [Fact]
    public void Encode_Lz4_ShrinksRepetitivePayloads()
    {
        var (info, stored) = ChunkFormat.Encode(Stream(), Samples(1000, 24), 0);
        Assert.True(stored.Length < info.RawLength * 3 / 4, $"{stored.Length} stored of {info.RawLength}");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    [InlineData(-1)]
    public void Decode_FlippedByte_IsReportedAsCorrupt(int position)
    {
        var (info, stored) = ChunkFormat.Encode(Stream(), Samples(50, 24), 0);
        int at = position < 0 ? stored.Length - 1 : position;
        stored[at] ^= 0x40;
        var e = Assert.Throws<CorruptChunkException>(() => ChunkFormat.Decode(info, stored));
        Assert.Contains("CRC32C", e.Message);
    }

    [Fact]
    public void Decode_TornChunk_IsReportedAsCorrupt()
    {
        var (info, stored) = ChunkFormat.Encode(Stream(), Samples(50, 24), 0);
        Assert.Throws<CorruptChunkException>(() => ChunkFormat.Decode(info, stored.AsSpan(0, stored.Length / 2)));
    }

    [Theory]
    [InlineData("", 0x00000000u)]
    [InlineData("123456789", 0xE3069283u)]
    public void Crc32C_MatchesKnownCheckValues(string text, uint expected) =>
        Assert.Equal(expected, Crc32C.Compute(System.Text.Encoding.ASCII.GetBytes(text)));
}
