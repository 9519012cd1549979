using System.Text.Json.Nodes;
using EdgeRig.Export.Mcap;

namespace EdgeRig.Export.Tests;

/// <summary>Reader and writer checked against every MCAP conformance vector.</summary>
public sealed class ConformanceTests
{
    [Fact]
    public void VectorsArePresent()
    {
        Assert.True(Directory.Exists(ConformanceVectors.DataDirectory), ConformanceVectors.DataDirectory);
        Assert.NotEmpty(ConformanceVectors.All());
    }

    [Theory]
    [MemberData(nameof(ConformanceVectors.All), MemberType = typeof(ConformanceVectors))]
    public void ReaderYieldsTheExpectedRecords(string vector)
    {
        byte[] bytes = VectorBytes(vector);
        var actual = McapReader.ReadAllRecords(new MemoryStream(bytes));
        AssertRecordsEqual(ConformanceVectors.ExpectedRecords(vector), actual);
    }

    [Theory]
    [MemberData(nameof(ConformanceVectors.WithoutPad), MemberType = typeof(ConformanceVectors))]
    public void WriterProducesTheVectorByteForByte(string vector)
    {
        byte[] written = ConformanceVectors.WriteFromJson(vector);
        AssertRecordsEqual(ConformanceVectors.ExpectedRecords(vector), McapReader.ReadAllRecords(new MemoryStream(written)));

        byte[] stored = File.ReadAllBytes(ConformanceVectors.FullPath(vector));
        var pointer = ConformanceVectors.ReadLfsPointer(stored);
        if (pointer is null)
        {
            Assert.Equal(stored, written);
        }
        else
        {
            Assert.True(pointer.Matches(written),
                $"written {written.Length} bytes do not hash to the vector's SHA-256 {pointer.Sha256} ({pointer.Size} bytes)");
        }
    }

    /// <summary>
    /// The vector's bytes. Where the checkout holds a Git LFS pointer instead of the file, the bytes are rebuilt with the
    /// writer (plus the generator's record padding for "pad" variants) and accepted only if they have the pointer's
    /// SHA-256 and size, i.e. only if they are exactly the vector.
    /// </summary>
    private static byte[] VectorBytes(string vector)
    {
        byte[] stored = File.ReadAllBytes(ConformanceVectors.FullPath(vector));
        var pointer = ConformanceVectors.ReadLfsPointer(stored);
        if (pointer is null)
        {
            return stored;
        }
        byte[] rebuilt = ConformanceVectors.WriteFromJson(vector);
        Assert.True(pointer.Matches(rebuilt), $"could not rebuild the LFS-stored vector {vector} exactly");
        return rebuilt;
    }

    private static void AssertRecordsEqual(JsonArray expected, IReadOnlyList<McapRecord> actual)
    {
        for (int i = 0; i < Math.Min(expected.Count, actual.Count); i++)
        {
            var actualJson = McapJson.ToJson(actual[i]);
            Assert.True(JsonNode.DeepEquals(expected[i], actualJson),
                $"record {i}: expected {expected[i]!.ToJsonString()} but read {actualJson.ToJsonString()}");
        }
        Assert.Equal(expected.Count, actual.Count);
    }
}
