using System.Text.Json.Nodes;
using EdgeRig.Export.Mcap;

namespace EdgeRig.Export.Tests;

/// <summary>Write-then-read checks for compressed chunks, summaries, corruption, truncation and determinism.</summary>
public sealed class RoundTripTests
{
    private static byte[] WriteSample(McapWriterOptions options)
    {
        using var output = new MemoryStream();
        using (var writer = new McapWriter(output, options, leaveOpen: true))
        {
            writer.WriteHeader("edgerig", "EdgeRig.Export.Tests");
            ushort imu = writer.AddSchema("Imu", "jsonschema", "{\"type\":\"object\"}"u8);
            ushort imuChannel = writer.AddChannel("/imu", "json", imu, new Dictionary<string, string> { ["z"] = "1", ["a"] = "2" });
            ushort logChannel = writer.AddChannel("/log", "text");
            for (uint i = 0; i < 500; i++)
            {
                writer.WriteMessage(imuChannel, i, 1_000 + i * 10, 1_000 + i * 10, System.Text.Encoding.UTF8.GetBytes($"{{\"ax\":{i}}}"));
                if (i % 50 == 0)
                {
                    writer.WriteMessage(logChannel, i / 50, 1_005 + i * 10, 1_000 + i * 10, "tick"u8);
                }
            }
            writer.WriteAttachment("calib.yaml", "application/yaml", 5, 4, "k: 1"u8);
            writer.WriteMetadata("session", new Dictionary<string, string> { ["rig"] = "bench", ["operator"] = "ci" });
        }
        return output.ToArray();
    }

    private static McapWriterOptions Options(McapCompression compression) =>
        new() { Compression = compression, ChunkSize = 2048 };

    [Theory]
    [InlineData(McapCompression.Zstd)]
    [InlineData(McapCompression.Lz4)]
    [InlineData(McapCompression.None)]
    public void CompressedChunksReadBackEqual(McapCompression compression)
    {
        byte[] compressed = WriteSample(Options(compression));
        byte[] plain = WriteSample(Options(McapCompression.None) with { UseChunks = false });

        var expected = McapReader.ReadAllRecords(new MemoryStream(plain))
            .TakeWhile(r => r is not DataEnd).Where(r => r is not Header).Select(McapJson.ToJson).ToList();
        var actual = McapReader.ReadAllRecords(new MemoryStream(compressed))
            .TakeWhile(r => r is not DataEnd).Where(r => r is not Header).Select(McapJson.ToJson).ToList();
        Assert.Equal(510 + 5, actual.Count);
        // Attachments and metadata go straight to the data section while a chunk is open, so compare per record type.
        Assert.Equal(ByType(expected), ByType(actual));

        using var reader = new McapReader(new MemoryStream(compressed));
        var summary = reader.ReadSummary();
        Assert.True(summary.ChunkIndexes.Count > 1);
        string name = compression switch { McapCompression.Zstd => "zstd", McapCompression.Lz4 => "lz4", _ => "" };
        Assert.All(summary.ChunkIndexes, c => Assert.Equal(name, c.Compression));
        if (compression != McapCompression.None)
        {
            Assert.True(compressed.Length < plain.Length, $"{compressed.Length} >= {plain.Length}");
        }
        var stats = Assert.IsType<Statistics>(summary.Statistics);
        Assert.Equal(510UL, stats.MessageCount);
        Assert.Equal((uint)summary.ChunkIndexes.Count, stats.ChunkCount);
        Assert.Equal(1_000UL, stats.MessageStartTime);
        Assert.Equal(1_000UL + 499 * 10, stats.MessageEndTime);
        Assert.Equal(500UL, stats.ChannelMessageCounts[1]);
        Assert.Equal(10UL, stats.ChannelMessageCounts[2]);
        Assert.Equal(2, summary.Channels.Count);
        Assert.Single(summary.Schemas);
        Assert.Single(summary.AttachmentIndexes);
        Assert.Single(summary.MetadataIndexes);
        Assert.Equal(10, reader.ReadMessages("/log").Count());
        Assert.Equal(500, reader.ReadMessages((ushort)1).Count());
    }

    [Fact]
    public void SameInputGivesIdenticalBytes()
    {
        foreach (var compression in new[] { McapCompression.None, McapCompression.Zstd, McapCompression.Lz4 })
        {
            Assert.Equal(WriteSample(Options(compression)), WriteSample(Options(compression)));
        }
    }

    [Fact]
    public void CorruptedChunkIsReported()
    {
        byte[] bytes = WriteSample(Options(McapCompression.None));
        int at = IndexOf(bytes, "{\"ax\":7}"u8.ToArray());
        bytes[at + 6] ^= 0x01;
        var error = Assert.Throws<McapFormatException>(() => McapReader.ReadAllRecords(new MemoryStream(bytes)));
        Assert.Contains("Chunk at offset", error.Message);
        Assert.Contains("CRC mismatch", error.Message);
    }

    [Fact]
    public void CorruptedDataSectionIsReported()
    {
        byte[] bytes = WriteSample(Options(McapCompression.None) with { UseChunks = false });
        bytes[IndexOf(bytes, "{\"ax\":7}"u8.ToArray()) + 6] ^= 0x01;
        var error = Assert.Throws<McapFormatException>(() => McapReader.ReadAllRecords(new MemoryStream(bytes)));
        Assert.Contains("Data section CRC mismatch", error.Message);
    }

    [Fact]
    public void CorruptedSummaryIsReported()
    {
        byte[] bytes = WriteSample(Options(McapCompression.Zstd));
        int repeatedSchema = bytes.AsSpan().LastIndexOf("{\"type\":\"object\"}"u8);
        using (var reader = new McapReader(new MemoryStream(bytes)))
        {
            Assert.True(repeatedSchema > (int)reader.ReadFooter().SummaryStart);
        }
        bytes[repeatedSchema + 3] ^= 0x01;
        var error = Assert.Throws<McapFormatException>(() => McapReader.ReadAllRecords(new MemoryStream(bytes)));
        Assert.Contains("Summary CRC mismatch", error.Message);
        using var again = new McapReader(new MemoryStream(bytes));
        Assert.Contains("Summary CRC mismatch", Assert.Throws<McapFormatException>(() => again.ReadSummary()).Message);
    }

    [Fact]
    public void CorruptedAttachmentIsReported()
    {
        byte[] bytes = WriteSample(Options(McapCompression.None));
        bytes[IndexOf(bytes, "k: 1"u8.ToArray()) + 3] = (byte)'2';
        var error = Assert.Throws<McapFormatException>(() => McapReader.ReadAllRecords(new MemoryStream(bytes)));
        Assert.Contains("Attachment 'calib.yaml'", error.Message);
    }

    [Fact]
    public void EveryTruncationIsReported()
    {
        byte[] bytes = WriteSample(Options(McapCompression.Zstd) with { ChunkSize = 512 * 1024 });
        for (int length = 0; length < bytes.Length; length += length < 64 || bytes.Length - length < 64 ? 1 : 7)
        {
            var truncated = new MemoryStream(bytes[..length]);
            var error = Assert.Throws<McapFormatException>(() => McapReader.ReadAllRecords(truncated));
            Assert.False(string.IsNullOrEmpty(error.Message));
            using var reader = new McapReader(new MemoryStream(bytes[..length]));
            Assert.Throws<McapFormatException>(() => reader.ReadSummary());
        }
        Assert.Contains("Truncated file", Assert.Throws<McapFormatException>(
            () => McapReader.ReadAllRecords(new MemoryStream(bytes[..(bytes.Length / 2)]))).Message);
    }

    [Fact]
    public void WrongMagicIsReported()
    {
        byte[] bytes = WriteSample(Options(McapCompression.None));
        bytes[1] = (byte)'X';
        Assert.Contains("magic", Assert.Throws<McapFormatException>(() => McapReader.ReadAllRecords(new MemoryStream(bytes))).Message);
    }

    [Fact]
    public void MapsAreWrittenInKeyOrderAndCrcsCanBeOff()
    {
        byte[] bytes = WriteSample(Options(McapCompression.None) with { UseCrcs = false });
        var records = McapReader.ReadAllRecords(new MemoryStream(bytes));
        Assert.Equal(["a", "z"], records.OfType<Channel>().First().Metadata.Keys);
        Assert.Equal(0u, records.OfType<DataEnd>().Single().DataSectionCrc);
        Assert.Equal(0u, records.OfType<Footer>().Single().SummaryCrc);
        Assert.Equal(0u, records.OfType<Attachment>().Single().Crc);
    }

    [Fact]
    public void WriterRejectsMisuse()
    {
        using var writer = new McapWriter(new MemoryStream(), McapWriterOptions.Minimal);
        Assert.Throws<ArgumentException>(() => writer.WriteMessage(9, 0, 0, 0, [1]));
        Assert.Throws<ArgumentException>(() => writer.AddChannel("/x", "json", schemaId: 4));
        writer.Finish();
        Assert.Throws<InvalidOperationException>(() => writer.AddSchema("s", "e", [1]));
    }

    private static IEnumerable<string> ByType(IEnumerable<JsonObject> records) =>
        records.Select(j => j.ToJsonString()).OrderBy(j => j[..20], StringComparer.Ordinal);

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        int at = haystack.AsSpan().IndexOf(needle);
        Assert.True(at >= 0, "pattern not found");
        return at;
    }
}
