using System.Diagnostics.CodeAnalysis;
using EdgeRig.Core;

namespace EdgeRig.Export.SessionMcap;

/// <summary>A recorded session as an exporter reads it: the catalogue record, the chunk index and each chunk's samples.</summary>
public interface ISessionSource
{
    /// <summary>Session metadata, stream descriptors, per-stream counts and markers.</summary>
    SessionRecord Record { get; }

    /// <summary>Every chunk of the session (the exporter orders them per stream by index).</summary>
    IReadOnlyList<ChunkInfo> Chunks { get; }

    /// <summary>Reads one chunk's samples in sequence order, or says why they cannot be had.</summary>
    bool TryReadChunk(ChunkInfo chunk, [NotNullWhen(true)] out IReadOnlyList<Sample>? samples, [NotNullWhen(false)] out ChunkProblem? problem);
}

/// <summary>Why a chunk could not be exported.</summary>
public enum ChunkProblemKind
{
    /// <summary>The chunk's bytes are not there (no file, no stored data).</summary>
    Missing,

    /// <summary>The bytes are there but fail their CRC-32C or SHA-256, or do not decode.</summary>
    Corrupt,
}

/// <summary>A chunk left out of an export, named by stream and index, with the reason.</summary>
public sealed record ChunkProblem(string Stream, int Index, ChunkProblemKind Kind, string Reason)
{
    public override string ToString() => $"{Stream}/{Index} {Kind.ToString().ToLowerInvariant()}: {Reason}";
}
