using System.Security.Cryptography;
using System.Text.Json;
using EdgeRig.Core;

namespace EdgeRig.Formats;

/// <summary>A stream as written in a pulled session's manifest.</summary>
public sealed record ManifestStream(
    string Id, string Modality, string Encoding, double NominalRateHz, string Units, string DeviceId, string FrameId,
    double SensorTickRateHz, string Timestamps, long SensorWrapModulus, long KnownLatencyNs, IReadOnlyDictionary<string, string> Parameters)
{
    public StreamDescriptor ToDescriptor() =>
        new(new StreamId(Id), Enum.Parse<Modality>(Modality, ignoreCase: true), Encoding, NominalRateHz, Units, DeviceId, FrameId)
        {
            SensorTickRateHz = SensorTickRateHz,
            Timestamps = Enum.Parse<TimestampSource>(Timestamps, ignoreCase: true),
            SensorWrapModulus = SensorWrapModulus,
            KnownLatency = new Duration(KnownLatencyNs),
            Parameters = Parameters,
        };
}

public sealed record ManifestSession(string Id, string Name, string Operator, IReadOnlyDictionary<string, string> Tags,
    long StartNs, long StopNs, string State, string Rig, string StopReason);

public sealed record ManifestMarker(long TimeNs, string Label, string Note, string Source);

public sealed record ManifestCounts(long Produced, long Recorded, long Dropped, long SensorGaps);

/// <summary>One chunk of a pulled session: where its file is and what it must hash to.</summary>
public sealed record ManifestChunk(int Ordinal, string Stream, int Index, long FirstSequence, long LastSequence, int Count,
    long FirstRigNs, long LastRigNs, string Codec, int RawLength, int StoredLength, uint Crc32C, string Sha256, string File)
{
    public ChunkInfo ToChunkInfo() => new(new StreamId(Stream), Index, FirstSequence, LastSequence, Count, new RigTime(FirstRigNs),
        new RigTime(LastRigNs), Enum.Parse<ChunkCodec>(Codec, ignoreCase: true), RawLength, StoredLength, Crc32C, Sha256);

    /// <summary>Where a chunk lives inside the session folder.</summary>
    public static string RelativePath(string stream, int index) => Path.Combine("chunks", stream, $"{index:D6}.chunk");
}

/// <summary>
/// A chunk the rig has but could not deliver (its bytes missing or corrupt on the rig's disk): which samples are lost, and why.
/// Kind is "missing" or "corrupt"; Sha256 is the rig's hash of the chunk, empty if the rig never could hash it.
/// </summary>
public sealed record ManifestMissingChunk(int Ordinal, string Stream, int Index, long FirstSequence, long LastSequence, int Count,
    long FirstRigNs, long LastRigNs, string Codec, int RawLength, int StoredLength, uint Crc32C, string Sha256, string Kind, string Reason)
{
    public ChunkInfo ToChunkInfo() => new(new StreamId(Stream), Index, FirstSequence, LastSequence, Count, new RigTime(FirstRigNs),
        new RigTime(LastRigNs), Enum.Parse<ChunkCodec>(Codec, ignoreCase: true), RawLength, StoredLength, Crc32C, Sha256);

    public override string ToString() => $"{Stream}/{Index} {Kind}: {Reason}";
}

/// <summary>
/// The manifest of a pulled session folder (manifest.json): the session, its streams, counts and markers, and
/// every chunk with its file and hashes. With the chunk files it rebuilds every sample without the rig.
/// A partial pull (chunks damaged on the rig) lists the chunks it lacks in <see cref="Missing"/>; the session hash covers
/// both lists in pull order, so a reader that ignores <see cref="Missing"/> sees a hash mismatch rather than a whole session.
/// </summary>
public sealed record PulledSessionManifest(
    string Format, ManifestSession Session, IReadOnlyList<ManifestStream> Streams, IReadOnlyDictionary<string, ManifestCounts> Counts,
    IReadOnlyList<ManifestMarker> Markers, IReadOnlyList<ManifestChunk> Chunks, string SessionSha256, DateTimeOffset PulledAt)
{
    public const string FormatName = "edgerig-pulled-session/1";
    public const string FileName = "manifest.json";

    /// <summary>Chunks the rig could not deliver, with why; empty for a whole session.</summary>
    public IReadOnlyList<ManifestMissingChunk> Missing { get; init; } = [];

    /// <summary>Every chunk of the session was pulled.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool Complete => Missing.Count == 0;

    /// <summary>The session hash over the pulled and the missing chunks in pull order.</summary>
    public static string ComputeSessionHash(IEnumerable<ManifestChunk> chunks, IEnumerable<ManifestMissingChunk> missing) =>
        SessionHash.Compute(chunks.Select(c => (c.Ordinal, c.Stream, c.Index, c.Sha256))
            .Concat(missing.Select(m => (m.Ordinal, m.Stream, m.Index, m.Sha256)))
            .OrderBy(c => c.Ordinal).Select(c => (c.Stream, c.Index, c.Sha256)));

    /// <summary>
    /// The one way a pull's manifest is made, by the CLI's pull and by the rig's upload alike, so both write the same bytes
    /// for the same session: the streams <paramref name="withheld"/> from the puller (stream id → why) and their counts are left out, markers go in time
    /// order (ties keep their order), and the session hash covers <paramref name="chunks"/> and <paramref name="missing"/>.
    /// </summary>
    public static PulledSessionManifest Create(ManifestSession session, IEnumerable<ManifestStream> streams,
        IEnumerable<KeyValuePair<string, ManifestCounts>> counts, IEnumerable<ManifestMarker> markers, IReadOnlyList<ManifestChunk> chunks,
        IReadOnlyList<ManifestMissingChunk> missing, IReadOnlyDictionary<string, string> withheld, DateTimeOffset pulledAt) =>
        new(FormatName, session, streams.Where(x => !withheld.ContainsKey(x.Id)).ToList(),
            counts.Where(kv => !withheld.ContainsKey(kv.Key)).ToDictionary(),
            markers.OrderBy(m => m.TimeNs).ToList(), chunks, ComputeSessionHash(chunks, missing), pulledAt) { Missing = missing };

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public void Save(string folder)
    {
        string tmp = Path.Combine(folder, FileName + ".tmp");
        File.WriteAllText(tmp, JsonSerializer.Serialize(this, Json));
        File.Move(tmp, Path.Combine(folder, FileName), overwrite: true);
    }

    /// <exception cref="InvalidDataException">the folder has no readable manifest of this format.</exception>
    public static PulledSessionManifest Load(string folder)
    {
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path)) throw new InvalidDataException($"'{folder}' is not a pulled session: {FileName} is missing");
        var m = JsonSerializer.Deserialize<PulledSessionManifest>(File.ReadAllText(path), Json)
            ?? throw new InvalidDataException($"{path} is empty");
        if (m.Format != FormatName) throw new InvalidDataException($"{path}: format '{TerminalText.Escape(m.Format)}' is not '{FormatName}'");
        try
        {
            // stream ids name folders under chunks/: a manifest edited to say "../x" must not lead a reader outside the folder
            for (int i = 0; i < m.Streams.Count; i++) StreamId.Parse(m.Streams[i].Id, $"streams[{i}].id");
            for (int i = 0; i < m.Chunks.Count; i++) StreamId.Parse(m.Chunks[i].Stream, $"chunks[{i}].stream");
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}");
        }
        return m.Missing is null ? m with { Missing = [] } : m; // "missing": null written by hand
    }
}

/// <summary>Reads samples back out of a pulled session folder, checking every chunk on the way.</summary>
public sealed class PulledSessionFolder(string folder)
{
    public PulledSessionManifest Manifest { get; } = PulledSessionManifest.Load(folder);

    /// <summary>
    /// Checks every chunk file against its SHA-256 and the manifest's session hash; returns the problems found. Chunks the
    /// manifest lists as missing (damaged on the rig) are not problems of the folder: see <see cref="PulledSessionManifest.Complete"/>.
    /// </summary>
    public IReadOnlyList<string> Verify()
    {
        var problems = new List<string>();
        foreach (var c in Manifest.Chunks)
        {
            string path = Path.Combine(folder, c.File);
            if (!File.Exists(path)) { problems.Add($"{c.File}: missing"); continue; }
            string sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
            if (sha != c.Sha256) problems.Add($"{c.File}: SHA-256 {sha} does not match {c.Sha256}");
        }
        string sessionHash = PulledSessionManifest.ComputeSessionHash(Manifest.Chunks, Manifest.Missing);
        if (sessionHash != Manifest.SessionSha256) problems.Add($"session hash {sessionHash} does not match {Manifest.SessionSha256}");
        return problems;
    }

    /// <summary>Every sample of one stream in sequence order.</summary>
    public IEnumerable<Sample> ReadSamples(string stream)
    {
        foreach (var c in Manifest.Chunks.Where(c => c.Stream == stream).OrderBy(c => c.Index))
            foreach (var s in ChunkFormat.Decode(c.ToChunkInfo(), File.ReadAllBytes(Path.Combine(folder, c.File))))
                yield return s;
    }
}
