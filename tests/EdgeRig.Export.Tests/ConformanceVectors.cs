using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using EdgeRig.Export.Mcap;

namespace EdgeRig.Export.Tests;

/// <summary>Finds the MCAP conformance vectors (shared/mcap-conformance/data) and turns their features into writer options.</summary>
internal static class ConformanceVectors
{
    private const string LfsPointerPrefix = "version https://git-lfs.github.com/spec/";

    /// <summary>The padding the conformance generator appends to every paddable record in "pad" variants.</summary>
    public static readonly byte[] PadBytes = [0x01, 0xFF, 0xFF];

    public static string DataDirectory { get; } = FindDataDirectory();

    /// <summary>Every .mcap vector as a path relative to <see cref="DataDirectory"/>, sorted.</summary>
    public static IEnumerable<object[]> All() => Enumerate(_ => true);

    /// <summary>Every vector a writer can produce (all but the "pad" variants).</summary>
    public static IEnumerable<object[]> WithoutPad() => Enumerate(name => !Features(name).Contains("pad"));

    public static string FullPath(string relative) => Path.Combine(DataDirectory, relative);

    public static IReadOnlySet<string> Features(string relativePath)
    {
        var parts = Path.GetFileNameWithoutExtension(relativePath).Split('-');
        return parts.Skip(1).ToHashSet(StringComparer.Ordinal);
    }

    public static JsonArray ExpectedRecords(string relativePath) =>
        JsonNode.Parse(File.ReadAllText(Path.ChangeExtension(FullPath(relativePath), ".json")))!["records"]!.AsArray();

    public static McapWriterOptions OptionsFor(IReadOnlySet<string> features) => new()
    {
        UseChunks = features.Contains("ch"),
        Compression = McapCompression.None,
        WriteMessageIndexes = features.Contains("mx"),
        WriteStatistics = features.Contains("st"),
        RepeatSchemas = features.Contains("rsh"),
        RepeatChannels = features.Contains("rch"),
        WriteAttachmentIndex = features.Contains("ax"),
        WriteMetadataIndex = features.Contains("mdx"),
        WriteChunkIndex = features.Contains("chx"),
        WriteSummaryOffsets = features.Contains("sum"),
        UseCrcs = true,
        RecordPadding = features.Contains("pad") ? PadBytes : [],
    };

    /// <summary>Writes the input records of a vector's JSON (Header, Schema, Channel, Message, Attachment, Metadata).</summary>
    public static byte[] WriteFromJson(string relativePath)
    {
        using var output = new MemoryStream();
        using (var writer = new McapWriter(output, OptionsFor(Features(relativePath)), leaveOpen: true))
        {
            foreach (var node in ExpectedRecords(relativePath))
            {
                string type = node!["type"]!.GetValue<string>();
                if (type is not ("Header" or "Schema" or "Channel" or "Message" or "Attachment" or "Metadata"))
                {
                    continue;
                }
                switch (McapJson.FromJson(node))
                {
                    case Header h: writer.WriteHeader(h.Profile, h.Library); break;
                    case Schema s: writer.AddSchema(s); break;
                    case Channel c: writer.AddChannel(c); break;
                    case Message m: writer.WriteMessage(m); break;
                    case Attachment a: writer.WriteAttachment(a); break;
                    case Metadata md: writer.WriteMetadata(md.Name, md.Entries); break;
                }
            }
            writer.Finish();
        }
        return output.ToArray();
    }

    /// <summary>A Git LFS pointer stored instead of the vector: the SHA-256 and size of the real file.</summary>
    public sealed record LfsPointer(string Sha256, long Size)
    {
        public bool Matches(byte[] bytes) =>
            bytes.Length == Size && Convert.ToHexStringLower(SHA256.HashData(bytes)) == Sha256;
    }

    public static LfsPointer? ReadLfsPointer(byte[] file)
    {
        if (file.Length > 1024 || !file.AsSpan().StartsWith(Encoding.ASCII.GetBytes(LfsPointerPrefix)))
        {
            return null;
        }
        string? sha = null;
        long size = -1;
        foreach (var line in Encoding.ASCII.GetString(file).Split('\n'))
        {
            if (line.StartsWith("oid sha256:", StringComparison.Ordinal)) sha = line["oid sha256:".Length..].Trim();
            if (line.StartsWith("size ", StringComparison.Ordinal)) size = long.Parse(line["size ".Length..].Trim());
        }
        return sha is not null && size >= 0 ? new LfsPointer(sha, size) : null;
    }

    private static IEnumerable<object[]> Enumerate(Func<string, bool> include) =>
        Directory.Exists(DataDirectory)
            ? Directory.EnumerateFiles(DataDirectory, "*.mcap", SearchOption.AllDirectories)
                .Select(p => Path.GetRelativePath(DataDirectory, p).Replace('\\', '/'))
                .Where(include)
                .Order(StringComparer.Ordinal)
                .Select(p => new object[] { p })
            : [];

    private static string FindDataDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EdgeRig.sln")))
            {
                return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "mcap-conformance", "data"));
            }
        }
        throw new DirectoryNotFoundException("No EdgeRig.sln above " + AppContext.BaseDirectory);
    }
}
