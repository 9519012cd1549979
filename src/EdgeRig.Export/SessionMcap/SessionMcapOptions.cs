using EdgeRig.Core;
using EdgeRig.Export.Mcap;

namespace EdgeRig.Export.SessionMcap;

/// <summary>What a session export includes and how the MCAP is compressed; defaults export everything with zstd chunks.</summary>
public sealed record SessionMcapOptions
{
    /// <summary>Stream ids to export; empty exports every stream. Markers are always exported (within the time range).</summary>
    public IReadOnlyList<string> Streams { get; init; } = [];

    /// <summary>Earliest rig time exported (inclusive); null for no lower bound.</summary>
    public RigTime? From { get; init; }

    /// <summary>Latest rig time exported (inclusive); null for no upper bound.</summary>
    public RigTime? To { get; init; }

    /// <summary>MCAP chunk compression.</summary>
    public McapCompression Compression { get; init; } = McapCompression.Zstd;

    /// <summary>
    /// Files stored as MCAP attachments. The hook for the session's calibration profile and QA report, which do not
    /// exist yet; nothing is attached by default.
    /// </summary>
    public IReadOnlyList<SessionAttachment> Attachments { get; init; } = [];

    /// <summary>The static geometry written at the export's start (<see cref="GeometryMessages"/>: /tf and each camera's
    /// /STREAM/calibration); null writes none, and the file is what it was before exports carried geometry.</summary>
    public SessionGeometry? Geometry { get; init; }

    /// <summary>Checks the options against a session's streams.</summary>
    /// <exception cref="ArgumentException">an unknown stream, or a time range that ends before it starts.</exception>
    public void Validate(IReadOnlyList<StreamDescriptor> streams)
    {
        var unknown = Streams.Where(s => streams.All(d => d.Id.Value != s)).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException($"streams: {string.Join(", ", unknown)} not in the session (it has {string.Join(", ", streams.Select(d => d.Id.Value))})");
        if (From is { } from && To is { } to && to < from)
            throw new ArgumentException($"time range: to ({to.Nanoseconds}) is before from ({from.Nanoseconds})");
    }

    /// <summary>"zstd" (or empty), "lz4" or "none".</summary>
    /// <exception cref="ArgumentException">any other name.</exception>
    public static McapCompression ParseCompression(string name) => name.ToLowerInvariant() switch
    {
        "" or "zstd" => McapCompression.Zstd,
        "lz4" => McapCompression.Lz4,
        "none" => McapCompression.None,
        _ => throw new ArgumentException($"compression '{name}' is not one of zstd, lz4, none"),
    };

    internal bool Includes(RigTime t) => (From is not { } from || t >= from) && (To is not { } to || t <= to);

    internal bool Includes(StreamId stream) => Streams.Count == 0 || Streams.Contains(stream.Value);
}

/// <summary>What an export wrote: messages per topic, the chunks it had to leave out, and the file's size and SHA-256.</summary>
public sealed record SessionMcapResult(
    string SessionId, IReadOnlyDictionary<string, long> MessageCounts, IReadOnlyList<ChunkProblem> Problems, long Bytes, string Sha256)
{
    /// <summary>True when every selected chunk was exported.</summary>
    public bool Complete => Problems.Count == 0;
}
