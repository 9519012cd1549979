using EdgeRig.Core;
using EdgeRig.Export.SessionMcap;

namespace EdgeRig.Export.Dataset;

/// <summary>
/// What an aligned dataset export is aligned to and what it includes. Defaults: the first camera as reference, a tolerance
/// of half its period, every stream, the whole session, no calibration.
/// </summary>
public sealed record DatasetOptions
{
    /// <summary>The stream whose samples become the rows of frames.parquet; null for the first camera (by id).</summary>
    public string? Reference { get; init; }

    /// <summary>Largest |time difference| of a match that counts as aligned; null for half the reference's nominal period.</summary>
    public Duration? Tolerance { get; init; }

    /// <summary>Stream ids to export; empty exports every stream. The reference must be among them.</summary>
    public IReadOnlyList<string> Streams { get; init; } = [];

    /// <summary>Earliest rig time exported (inclusive); null for no lower bound.</summary>
    public RigTime? From { get; init; }

    /// <summary>Latest rig time exported (inclusive); null for no upper bound.</summary>
    public RigTime? To { get; init; }

    /// <summary>Per-stream time corrections applied before alignment; <see cref="DatasetCalibration.None"/> until calibration profiles exist.</summary>
    public DatasetCalibration Calibration { get; init; } = DatasetCalibration.None;

    /// <summary>The session's geometry, written to metadata.json ("geometry"); null: none.</summary>
    public SessionGeometry? Geometry { get; init; }

    internal bool Includes(StreamId stream) => Streams.Count == 0 || Streams.Contains(stream.Value);

    internal bool Includes(RigTime t) => (From is not { } from || t >= from) && (To is not { } to || t <= to);

    /// <summary>The reference stream of a session under these options.</summary>
    /// <exception cref="ArgumentException">an unknown stream, no camera to default to, a bad tolerance or time range.</exception>
    public StreamDescriptor Validate(IReadOnlyList<StreamDescriptor> streams)
    {
        new SessionMcapOptions { Streams = Streams, From = From, To = To }.Validate(streams);
        if (Tolerance is { } tolerance && tolerance.Nanoseconds <= 0) throw new ArgumentException($"tolerance must be positive, was {tolerance.Nanoseconds} ns");
        var unknown = Calibration.FixedLatency.Keys.Where(k => streams.All(d => d.Id.Value != k)).ToList();
        if (unknown.Count > 0) throw new ArgumentException($"calibration: {string.Join(", ", unknown)} not in the session");
        var included = streams.Where(d => Includes(d.Id)).OrderBy(d => d.Id.Value, StringComparer.Ordinal).ToList();
        if (Reference is null)
            return included.FirstOrDefault(d => d.Modality == Modality.Camera)
                ?? throw new ArgumentException($"reference: no camera among {string.Join(", ", included.Select(d => d.Id.Value))}; name one with --reference");
        var reference = included.FirstOrDefault(d => d.Id.Value == Reference)
            ?? throw new ArgumentException($"reference '{Reference}' is not among the exported streams ({string.Join(", ", included.Select(d => d.Id.Value))})");
        if (reference.NominalRateHz <= 0) throw new ArgumentException($"reference '{Reference}' has no nominal rate, so no frame period to align to");
        return reference;
    }
}

/// <summary>
/// The calibration: a fixed latency per stream (sensor-to-timestamp delay that the clock mapping cannot see), subtracted from
/// rig time before alignment, and its <see cref="Source"/> (which profile, and why) for metadata.json. The default is none.
/// </summary>
public sealed record DatasetCalibration(string Source, IReadOnlyDictionary<string, Duration> FixedLatency)
{
    /// <summary>No calibration: aligned time = rig time.</summary>
    public static readonly DatasetCalibration None = new("none", new Dictionary<string, Duration>());

    /// <summary>True when some stream's time is corrected.</summary>
    public bool Applied => FixedLatency.Count > 0;

    /// <summary>The aligned time of a sample of <paramref name="stream"/> stamped at <paramref name="rigNs"/>.</summary>
    public long AlignedNs(string stream, long rigNs) => FixedLatency.TryGetValue(stream, out var latency) ? rigNs - latency.Nanoseconds : rigNs;
}

/// <summary>What a dataset export wrote: rows per table, the chunks it had to leave out, and a digest over every file.</summary>
public sealed record DatasetResult(
    string SessionId, string Folder, string Reference, Duration Tolerance, IReadOnlyDictionary<string, long> Rows,
    IReadOnlyDictionary<string, long> MatchesInTolerance, IReadOnlyList<ChunkProblem> Problems, long Bytes, string Sha256)
{
    /// <summary>True when every selected chunk was exported.</summary>
    public bool Complete => Problems.Count == 0;
}
