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

    /// <summary>
    /// True when <see cref="TryReadChunk"/> and <see cref="TryLeaseChunk"/> may be called from several threads at once (a
    /// reader may then verify and decode chunks in parallel). False by default: such a source sees one call at a time.
    /// </summary>
    bool ReadsConcurrently => false;

    /// <summary>
    /// As <see cref="TryReadChunk"/>, but the payloads may live in memory the source lends until the lease is disposed (a
    /// source reading files can then decode in place, without a copy or a fresh large array per chunk). A reader that is done
    /// with the chunk's payloads before it takes the next disposes the lease; it must not keep a payload past that.
    /// </summary>
    bool TryLeaseChunk(ChunkInfo chunk, [NotNullWhen(true)] out ChunkLease? lease, [NotNullWhen(false)] out ChunkProblem? problem)
    {
        lease = TryReadChunk(chunk, out var samples, out problem) ? new ChunkLease(samples, null) : null;
        return lease is not null;
    }
}

/// <summary>A chunk's samples whose payloads may be lent by the source (see <see cref="ISessionSource.TryLeaseChunk"/>).</summary>
public sealed class ChunkLease(IReadOnlyList<Sample> samples, Action? release) : IDisposable
{
    private Action? _release = release;

    /// <summary>The samples; their payloads are valid until <see cref="Dispose"/>.</summary>
    public IReadOnlyList<Sample> Samples { get; } = samples;

    /// <summary>The same lent memory with other samples over it (e.g. the times corrected); disposing either gives it back once.</summary>
    public ChunkLease With(IReadOnlyList<Sample> samples) => new(samples, Interlocked.Exchange(ref _release, null));

    /// <summary>Gives the payloads' memory back to the source (once).</summary>
    public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();
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
