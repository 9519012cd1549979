using EdgeRig.Calibration.Stimulus;
using EdgeRig.Core;

namespace EdgeRig.Calibration;

/// <summary>
/// A recorded session's streams (descriptor + every intact sample) as calibration reads them, and the damaged chunks it had to
/// leave out: a run on a damaged session goes on with what is intact and its report names what was missing.
/// </summary>
public sealed record SessionStreams(IReadOnlyList<RecordedStream> Streams, IReadOnlyList<ChunkProblem> Damaged)
{
    /// <summary>Every stream of the session, read under the readers' one damaged-chunk policy (skipped and named).</summary>
    public static SessionStreams Read(ISessionSource source)
    {
        var damaged = new List<ChunkProblem>();
        var streams = source.Record.Streams.Select(d => new RecordedStream(d, source.ReadStream(d.Id, damaged).ToList())).ToList();
        return new SessionStreams(streams, damaged);
    }
}
