using System.Buffers;
using EdgeRig.Core;
using EdgeRig.Formats;

namespace EdgeRig.Storage.Tests;

/// <summary>Chunk reads into lent buffers (the pull's): the same bytes as <see cref="SessionFile.ReadChunk"/>, and every
/// buffer back in its pool, also when the chunk is damaged.</summary>
public sealed class RentedChunkTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "edgerig-rent-" + Guid.NewGuid().ToString("N"));
    private static readonly StreamDescriptor Cam = new(new StreamId("cam0"), Modality.Camera, Encodings.Jpeg, 30, "", "cam0", "cam0");

    public RentedChunkTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Counts what is out on loan; hands out arrays longer than asked, as ArrayPool does.</summary>
    private sealed class CountingPool : ArrayPool<byte>
    {
        private readonly ArrayPool<byte> _inner = Create();
        public int Outstanding;
        public readonly HashSet<byte[]> Lent = new(ReferenceEqualityComparer.Instance);

        public override byte[] Rent(int minimumLength)
        {
            var array = _inner.Rent(minimumLength);
            Interlocked.Increment(ref Outstanding);
            lock (Lent) Lent.Add(array);
            return array;
        }

        public override void Return(byte[] array, bool clearArray = false)
        {
            Interlocked.Decrement(ref Outstanding);
            _inner.Return(array, clearArray);
        }
    }

    private string WriteThreeChunks(ChunkPayloadLayout layout, int frameBytes)
    {
        string path = Path.Combine(_dir, $"r-{layout}.db");
        using var file = new SessionFile(path, layout, "r1");
        for (int c = 0; c < 3; c++)
        {
            var samples = Enumerable.Range(c * 4, 4).Select(i => new Sample(Cam.Id, i, new SensorTime(i), new HostTime(i * 1000),
                new RigTimestamp(new RigTime(2_000 + i * 1000L), new Duration(5)), Enumerable.Range(0, frameBytes).Select(b => (byte)(b * 7 + i)).ToArray())).ToList();
            file.Write([new ChunkBatch(Cam, samples)], _ => { });
        }
        return path;
    }

    [Theory]
    [InlineData(ChunkPayloadLayout.Segments, 1)]
    [InlineData(ChunkPayloadLayout.Segments, 300_000)]
    [InlineData(ChunkPayloadLayout.Embedded, 300_000)]
    public void RentChunk_SameBytesAsReadChunk_AndEveryBufferGoesBack(ChunkPayloadLayout layout, int frameBytes)
    {
        string path = WriteThreeChunks(layout, frameBytes);
        var pool = new CountingPool();
        using var file = new SessionFile(path, layout, "r1");
        foreach (var chunk in file.ListChunks())
        {
            byte[] expected = file.ReadChunk("r1", chunk);
            using var rented = file.RentChunk("r1", chunk, pool);
            Assert.Equal(chunk.StoredLength, rented.Length);
            Assert.True(expected.AsSpan().SequenceEqual(rented.Memory.Span));
            Assert.Equal(4, ChunkFormat.Decode(chunk, rented.Memory.ToArray()).Count);
        }
        Assert.Equal(0, pool.Outstanding);
        // the segment layout reads into the pool's arrays (longer than the chunk: Memory is cut to it); embedded ones have their own
        Assert.Equal(layout == ChunkPayloadLayout.Segments, pool.Lent.Count > 0);
    }

    [Fact]
    public void RentChunk_DamagedChunk_ThrowsNamingIt_AndGivesTheBufferBack()
    {
        string path = WriteThreeChunks(ChunkPayloadLayout.Segments, 100_000);
        string segment = Path.ChangeExtension(path, ".seg");
        using (var stream = File.Open(segment, FileMode.Open))
        {
            stream.Position = stream.Length / 2; // inside the second chunk's data: three chunks of the same size
            int b = stream.ReadByte();
            stream.Position--;
            stream.WriteByte((byte)(b ^ 0x5A));
        }
        var pool = new CountingPool();
        using var file = new SessionFile(path, ChunkPayloadLayout.Segments, "r1");
        var chunks = file.ListChunks();
        var e = Assert.Throws<CorruptChunkException>(() => file.RentChunk("r1", chunks[1], pool));
        Assert.Contains("cam0/1", e.Message);
        Assert.Contains("'r1'", e.Message);
        Assert.Equal(0, pool.Outstanding);
        using (var first = file.RentChunk("r1", chunks[0], pool)) Assert.Equal(chunks[0].StoredLength, first.Length);
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void Dispose_Twice_ReturnsTheBufferOnce_AndTheBytesAreGone()
    {
        string path = WriteThreeChunks(ChunkPayloadLayout.Segments, 1000);
        var pool = new CountingPool();
        using var file = new SessionFile(path, ChunkPayloadLayout.Segments, "r1");
        var rented = file.RentChunk("r1", file.ListChunks()[0], pool);
        rented.Dispose();
        rented.Dispose();
        Assert.Equal(0, pool.Outstanding);
        Assert.Throws<ObjectDisposedException>(() => rented.Memory);
    }
}
