using System.Security.Cryptography;
using System.Text.Json;
using EdgeRig.Formats;

namespace EdgeRig.Cli;

/// <summary>
/// What a pull into a folder has so far, in pull order: chunks verified and on disk, and chunks the rig named as damaged.
/// Kept in .pull-state.jsonl, one JSON line per chunk as it is settled (a damaged entry is the line with a "kind"), so a
/// pull resumes after both: a damaged chunk is asked for once, not at every retry.
/// </summary>
internal sealed class PullState
{
    public const string FileName = ".pull-state.jsonl";

    private PullState(string folder) => Folder = folder;

    /// <summary>The session's folder (OUT/ID).</summary>
    public string Folder { get; }

    public List<ManifestChunk> Chunks { get; } = [];

    public List<ManifestMissingChunk> Missing { get; } = [];

    /// <summary>Chunks settled (pulled or named damaged): the ordinal the next pull starts from.</summary>
    public int Count => Chunks.Count + Missing.Count;

    /// <summary>Stored bytes settled, damaged chunks included (they count as done for progress).</summary>
    public long Bytes => Chunks.Sum(c => (long)c.StoredLength) + Missing.Sum(c => (long)c.StoredLength);

    public string SessionSha256 => PulledSessionManifest.ComputeSessionHash(Chunks, Missing);

    private string StatePath => Path.Combine(Folder, FileName);

    /// <summary>
    /// The chunks already pulled and still matching their SHA-256, and the damaged ones, in order; the state is cut at the first
    /// bad line. A finished folder that still verifies is taken whole (a pull again only asks for chunks after it).
    /// </summary>
    public static PullState Load(string folder)
    {
        var state = new PullState(folder);
        if (!File.Exists(state.StatePath))
        {
            if (File.Exists(Path.Combine(folder, PulledSessionManifest.FileName)))
            {
                var finished = new PulledSessionFolder(folder);
                if (finished.Verify().Count == 0)
                {
                    state.Chunks.AddRange(finished.Manifest.Chunks);
                    state.Missing.AddRange(finished.Manifest.Missing);
                }
            }
            return state;
        }
        foreach (var line in File.ReadLines(state.StatePath))
            if (!state.TryAdd(line)) break;
        File.WriteAllLines(state.StatePath, state.Lines());
        return state;
    }

    /// <summary>Records a verified chunk whose file is already durable.</summary>
    public Task AddAsync(StreamWriter log, ManifestChunk chunk, CancellationToken ct)
    {
        Chunks.Add(chunk);
        return AppendAsync(log, JsonSerializer.Serialize(chunk, PulledSessionManifest.Json), ct);
    }

    /// <summary>Records a chunk the rig named as damaged.</summary>
    public Task AddAsync(StreamWriter log, ManifestMissingChunk missing, CancellationToken ct)
    {
        Missing.Add(missing);
        return AppendAsync(log, JsonSerializer.Serialize(missing, PulledSessionManifest.Json), ct);
    }

    public StreamWriter OpenLog() => new(StatePath, append: true);

    public void DeleteLog() => File.Delete(StatePath);

    private static async Task AppendAsync(StreamWriter log, string json, CancellationToken ct)
    {
        await log.WriteLineAsync(json.ReplaceLineEndings(""));
        await log.FlushAsync(ct);
    }

    private bool TryAdd(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            if (doc.RootElement.TryGetProperty("kind", out _))
            {
                var missing = doc.RootElement.Deserialize<ManifestMissingChunk>(PulledSessionManifest.Json);
                if (missing is null || missing.Ordinal != Count) return false;
                Missing.Add(missing);
                return true;
            }
            var entry = doc.RootElement.Deserialize<ManifestChunk>(PulledSessionManifest.Json);
            if (entry is null || entry.Ordinal != Count) return false;
            string file = Path.Combine(Folder, entry.File);
            if (!File.Exists(file) || Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file))) != entry.Sha256) return false;
            Chunks.Add(entry);
            return true;
        }
        catch (JsonException) { return false; } // a torn last line
    }

    private IEnumerable<string> Lines() =>
        Chunks.Select(c => (c.Ordinal, Json: JsonSerializer.Serialize(c, PulledSessionManifest.Json)))
            .Concat(Missing.Select(m => (m.Ordinal, Json: JsonSerializer.Serialize(m, PulledSessionManifest.Json))))
            .OrderBy(x => x.Ordinal).Select(x => x.Json.ReplaceLineEndings(""));
}
