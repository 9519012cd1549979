using EdgeRig.Export.Mcap;

namespace EdgeRig.Export.Tests;

/// <summary>
/// The writer's fast paths: CRC-32 by combination, messages serialised in place, chunks compressed and written in the background
/// (in order, failures surfacing to the caller), checked against the plain definitions they replace.
/// </summary>
public sealed class McapWriterPipelineTests
{
    private static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(0, 5)]
    [InlineData(1, 1)]
    [InlineData(9, 1_048_583)]
    [InlineData(4096, 17)]
    [InlineData(65_537, 0)]
    public void Crc32_AppendAndCombine_EqualTheCrcOfTheWholeConcatenation(int lengthA, int lengthB)
    {
        byte[] a = Bytes(lengthA, 1), b = Bytes(lengthB, 2);
        uint whole = System.IO.Hashing.Crc32.HashToUInt32([.. a, .. b]);

        var appended = Crc32.Create();
        appended.Append(a);
        appended.Append(b);
        var combined = Crc32.Create();
        combined.Append(a);
        combined.AppendChecksummed(System.IO.Hashing.Crc32.HashToUInt32(b), b.Length);

        Assert.Equal(whole, appended.Value);
        Assert.Equal(whole, combined.Value);
        Assert.Equal(whole, Crc32.Combine(Crc32.Compute(a), Crc32.Compute(b), b.Length));
    }

    [Theory]
    [InlineData(McapCompression.Zstd)]
    [InlineData(McapCompression.Lz4)]
    [InlineData(McapCompression.None)]
    public void WriteMessage_SerialisedInPlace_SameBytesAsTheSpanOverload(McapCompression compression)
    {
        var options = new McapWriterOptions { Compression = compression, ChunkSize = 3_000 };
        byte[] viaSpan = Write(options, (writer, channel, i, payload) => writer.WriteMessage(channel, i, 100 + i, 100 + i, payload));
        byte[] inPlace = Write(options, (writer, channel, i, payload) =>
            writer.WriteMessage(channel, i, 100 + i, 100 + i, payload.Length, payload, static (destination, p) => p.CopyTo(destination)));

        Assert.Equal(viaSpan, inPlace);
        using var reader = new McapReader(new MemoryStream(inPlace));
        Assert.True(reader.ReadSummary().ChunkIndexes.Count > 10);
        Assert.Equal(Enumerable.Range(0, 200).Select(i => Bytes(i * 7, i)), reader.ReadMessages().Select(m => m.Data));
    }

    [Fact]
    public void WriteMessage_SerialiserThrows_TheRecordIsDroppedAndTheFileStaysWhole()
    {
        using var output = new MemoryStream();
        using (var writer = new McapWriter(output, new McapWriterOptions { ChunkSize = 1_000 }, leaveOpen: true))
        {
            ushort channel = writer.AddChannel("/x", "raw");
            writer.WriteMessage(channel, 0, 1, 1, [1, 2, 3]);
            var e = Assert.Throws<InvalidOperationException>(() =>
                writer.WriteMessage(channel, 1, 2, 2, 50, 0, static (destination, _) =>
                {
                    destination[..10].Fill(0xEE);
                    throw new InvalidOperationException("serialiser failed");
                }));
            Assert.Equal("serialiser failed", e.Message);
            writer.WriteMessage(channel, 2, 3, 3, [4, 5]);
        }

        var messages = McapReader.ReadAllRecords(new MemoryStream(output.ToArray())).OfType<Message>().ToList();
        Assert.Equal(new uint[] { 0, 2 }, messages.Select(m => m.Sequence));
        Assert.Equal(2ul, new McapReader(new MemoryStream(output.ToArray())).ReadSummary().Statistics!.MessageCount);
    }

    [Fact]
    public void Position_WhileChunksAreInFlight_CountsEveryChunkAlreadyClosed()
    {
        using var output = new MemoryStream();
        using var writer = new McapWriter(output, new McapWriterOptions { ChunkSize = 500, Compression = McapCompression.Zstd }, leaveOpen: true);
        ushort channel = writer.AddChannel("/x", "raw");
        for (uint i = 0; i < 50; i++) writer.WriteMessage(channel, i, i, i, Bytes(600, (int)i));

        long position = writer.Position; // first: it waits for the chunks still in flight
        Assert.Equal(output.Length, position);
        Assert.Equal(50u, writer.BuildStatistics().ChunkCount);
    }

    [Fact]
    public void Stream_FailsWhileAChunkIsWrittenInTheBackground_TheFailureReachesTheCaller()
    {
        var failing = new FailingStream(failAfterBytes: 5_000);
        var writer = new McapWriter(failing, new McapWriterOptions { ChunkSize = 1_000, Compression = McapCompression.None });
        ushort channel = writer.AddChannel("/x", "raw");

        var e = Assert.Throws<IOException>(() =>
        {
            for (uint i = 0; i < 100; i++) writer.WriteMessage(channel, i, i, i, Bytes(1_200, (int)i));
            writer.Finish();
        });
        Assert.Equal("disk full (test)", e.Message);
        Assert.Throws<IOException>(writer.Dispose);
        Assert.True(failing.Disposed);
    }

    private static byte[] Write(McapWriterOptions options, Action<McapWriter, ushort, uint, byte[]> writeMessage)
    {
        using var output = new MemoryStream();
        using (var writer = new McapWriter(output, options, leaveOpen: true))
        {
            ushort channel = writer.AddChannel("/x", "raw");
            for (uint i = 0; i < 200; i++) writeMessage(writer, channel, i, Bytes((int)i * 7, (int)i));
        }
        return output.ToArray();
    }

    /// <summary>A write-only stream that accepts a number of bytes and then fails every write, as a full disk does.</summary>
    private sealed class FailingStream(long failAfterBytes) : Stream
    {
        private long _written;

        public bool Disposed { get; private set; }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _written;
        public override long Position { get => _written; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (_written + buffer.Length > failAfterBytes) throw new IOException("disk full (test)");
            _written += buffer.Length;
        }

        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }
}
