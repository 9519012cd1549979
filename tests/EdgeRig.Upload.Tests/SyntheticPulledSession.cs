using System.Security.Cryptography;
using EdgeRig.Formats;

namespace EdgeRig.Upload.Tests;

/// <summary>
/// A pulled-session folder as the CLI's pull writes it (manifest.json + chunks/STREAM/INDEX.chunk + .pull-state.jsonl),
/// with chunk bodies of seeded random bytes, plus optionally a large SESSION.mcap-named file for multipart uploads.
/// </summary>
internal sealed class SyntheticPulledSession : IDisposable
{
    public SyntheticPulledSession(string sessionId, int chunksPerStream, int chunkBytes, int seed = 1)
    {
        SessionId = sessionId;
        Folder = Path.Combine(Path.GetTempPath(), "edgerig-upload-" + Guid.NewGuid().ToString("N"), sessionId);
        Directory.CreateDirectory(Folder);
        var random = new Random(seed);
        var chunks = new List<ManifestChunk>();
        int ordinal = 0;
        foreach (string stream in new[] { "cam0", "imu0" })
            for (int index = 0; index < chunksPerStream; index++)
            {
                byte[] body = new byte[chunkBytes + random.Next(0, 1000)];
                random.NextBytes(body);
                string file = ManifestChunk.RelativePath(stream, index);
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(Folder, file))!);
                File.WriteAllBytes(Path.Combine(Folder, file), body);
                chunks.Add(new ManifestChunk(ordinal++, stream, index, index * 10, index * 10 + 9, 10, index * 1000, index * 1000 + 999, "None",
                    body.Length, body.Length, 0, Convert.ToHexStringLower(SHA256.HashData(body)), file));
            }
        var session = new ManifestSession(sessionId, "bench run", "ana", new Dictionary<string, string> { ["site"] = "lab-a" }, 1_000, 9_000,
            "Complete", "rig-a", "stopped");
        Manifest = new PulledSessionManifest(PulledSessionManifest.FormatName, session, [], new Dictionary<string, ManifestCounts>(), [], chunks,
            PulledSessionManifest.ComputeSessionHash(chunks, []), DateTimeOffset.UnixEpoch);
        Manifest.Save(Folder);
        File.WriteAllText(Path.Combine(Folder, ".pull-state.jsonl"), "{}\n"); // pull bookkeeping: must not be uploaded
    }

    public string SessionId { get; }

    public string Folder { get; }

    public PulledSessionManifest Manifest { get; }

    /// <summary>Writes a file of <paramref name="bytes"/> seeded random bytes beside the folder; returns its path.</summary>
    public string WriteLargeFile(string name, long bytes, int seed = 7)
    {
        string path = Path.Combine(Path.GetDirectoryName(Folder)!, name);
        var random = new Random(seed);
        byte[] block = new byte[1 << 20];
        using var f = File.Create(path);
        for (long left = bytes; left > 0; left -= block.Length)
        {
            random.NextBytes(block);
            f.Write(block, 0, (int)Math.Min(block.Length, left));
        }
        return path;
    }

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(Folder)!, recursive: true);
}
