using System.Security.Cryptography;
using EdgeRig.Core;
using EdgeRig.Formats;

namespace EdgeRig.Formats.Tests;

/// <summary>The pulled-session folder: a partial pull's missing chunks in the manifest, and manifests written before they existed.</summary>
public sealed class PulledSessionTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "edgerig-pulled-" + Guid.NewGuid().ToString("N"));

    public PulledSessionTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>Three chunks of s0; the middle one (ordinal 1) could not be pulled.</summary>
    private PulledSessionManifest PartialPull()
    {
        var chunks = new List<ManifestChunk>();
        foreach (int ordinal in new[] { 0, 2 })
        {
            var (info, stored) = ChunkFormat.Encode(ChunkFormatTests.Stream(), ChunkFormatTests.Samples(4, 24, firstSeq: ordinal * 4), ordinal);
            string file = ManifestChunk.RelativePath("s0", ordinal);
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(_folder, file))!);
            File.WriteAllBytes(Path.Combine(_folder, file), stored);
            chunks.Add(new ManifestChunk(ordinal, "s0", ordinal, info.FirstSequence, info.LastSequence, info.Count, info.FirstRigTime.Nanoseconds,
                info.LastRigTime.Nanoseconds, info.Codec.ToString(), info.RawLength, info.StoredLength, info.Crc32C,
                Convert.ToHexStringLower(SHA256.HashData(stored)), file));
        }
        var missing = new ManifestMissingChunk(1, "s0", 1, 4, 7, 4, 10, 20, "Lz4", 100, 80, 7, "", "corrupt", "CRC32C 0badf00d does not match 12345678");
        var session = new ManifestSession("s1", "n", "o", new Dictionary<string, string>(), 1, 2, "Complete", "rig", "");
        return new PulledSessionManifest(PulledSessionManifest.FormatName, session, [], new Dictionary<string, ManifestCounts>(), [], chunks,
            SessionHash.Compute([("s0", 0, chunks[0].Sha256), ("s0", 1, ""), ("s0", 2, chunks[1].Sha256)]), DateTimeOffset.UnixEpoch) { Missing = [missing] };
    }

    [Fact]
    public void PartialPull_SavedAndLoaded_KeepsTheMissingChunksAndVerifies()
    {
        PartialPull().Save(_folder);
        var folder = new PulledSessionFolder(_folder);
        Assert.False(folder.Manifest.Complete);
        var missing = Assert.Single(folder.Manifest.Missing);
        Assert.Equal(("s0", 1, "corrupt"), (missing.Stream, missing.Index, missing.Kind));
        Assert.Contains("CRC32C 0badf00d", missing.Reason);
        Assert.Empty(folder.Verify()); // what is there is intact, and the session hash covers the missing chunk in its place
        Assert.Equal(8, folder.ReadSamples("s0").Count());
    }

    [Fact]
    public void PartialPull_MissingListDropped_VerifyReportsTheSessionHash()
    {
        var manifest = PartialPull();
        (manifest with { Missing = [] }).Save(_folder);
        Assert.Contains(new PulledSessionFolder(_folder).Verify(), p => p.StartsWith("session hash", StringComparison.Ordinal));
    }

    [Fact]
    public void ManifestWithoutMissing_AsWrittenBeforePartialPulls_LoadsAsComplete()
    {
        var manifest = PartialPull();
        var json = System.Text.Json.Nodes.JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(manifest with { Missing = [] }, PulledSessionManifest.Json))!.AsObject();
        Assert.True(json.Remove("missing"));
        File.WriteAllText(Path.Combine(_folder, PulledSessionManifest.FileName), json.ToJsonString());
        var loaded = PulledSessionManifest.Load(_folder);
        Assert.Empty(loaded.Missing);
        Assert.True(loaded.Complete);
    }
}
