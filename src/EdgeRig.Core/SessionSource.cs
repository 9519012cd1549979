using System.Diagnostics.CodeAnalysis;

namespace EdgeRig.Core;

/// <summary>
/// A recorded session as its readers see it (export, QA, calibration): the catalogue record, the chunk index and each chunk's
/// samples. Every reader follows one policy for a damaged chunk: it is skipped and named (<see cref="ChunkProblem"/>), never
/// thrown and never passed over in silence.
/// </summary>
public interface ISessionSource
{
    /// <summary>Session metadata, stream descriptors, per-stream counts and markers.</summary>
    SessionRecord Record { get; }

    /// <summary>Every chunk of the session (readers order them per stream by index).</summary>
    IReadOnlyList<ChunkInfo> Chunks { get; }

    /// <summary>Reads one chunk's samples in sequence order, or says why they cannot be had.</summary>
    bool TryReadChunk(ChunkInfo chunk, [NotNullWhen(true)] out IReadOnlyList<Sample>? samples, [NotNullWhen(false)] out ChunkProblem? problem);
}

/// <summary>Why a chunk could not be read.</summary>
public enum ChunkProblemKind
{
    /// <summary>The chunk's bytes are not there (no file, no stored data).</summary>
    Missing,

    /// <summary>The bytes are there but fail their CRC-32C or SHA-256, or do not decode.</summary>
    Corrupt,
}

/// <summary>A damaged chunk a reader left out, named by stream and index, with the reason.</summary>
public sealed record ChunkProblem(string Stream, int Index, ChunkProblemKind Kind, string Reason)
{
    /// <summary>The chunk's id as users see it: "STREAM/INDEX".</summary>
    public string ChunkId => $"{Stream}/{Index}";

    public override string ToString() => $"{ChunkId} {Kind.ToString().ToLowerInvariant()}: {Reason}";
}

/// <summary>A file that travels with a session's export (e.g. its calibration profile or QA report; an MCAP attachment).</summary>
public sealed record SessionAttachment(string Name, string MediaType, RigTime Time, byte[] Data)
{
    /// <summary>The file name of a session's QA report, in pulled folders and as an MCAP attachment.</summary>
    public const string QaReportName = "qa-report.json";

    /// <summary>The session's QA report as an attachment (at its stop time), or null if it has none; the same from the rig and from a pulled folder.</summary>
    public static SessionAttachment? QaReportOf(SessionRecord record) =>
        record.QaReportJson.Length == 0 ? null
            : new SessionAttachment(QaReportName, "application/json", record.Session.Stop ?? record.Session.Start, System.Text.Encoding.UTF8.GetBytes(record.QaReportJson));
}
