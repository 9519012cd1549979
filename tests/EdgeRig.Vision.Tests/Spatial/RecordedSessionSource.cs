using System.Diagnostics.CodeAnalysis;
using EdgeRig.Calibration.Stimulus;
using EdgeRig.Core;

namespace EdgeRig.Vision.Tests.Spatial;

/// <summary>Streams recorded in virtual time as a finished session (one chunk per stream), so the exporters read them as they read a store.</summary>
public sealed class RecordedSessionSource : ISessionSource
{
    private readonly Dictionary<StreamId, IReadOnlyList<Sample>> _samples;

    public RecordedSessionSource(string id, string rigName, IReadOnlyList<RecordedStream> streams)
    {
        _samples = streams.ToDictionary(s => s.Descriptor.Id, s => s.Samples);
        var times = streams.SelectMany(s => s.Samples).Select(s => s.Rig.Time.Nanoseconds).ToList();
        Record = new SessionRecord(
            new Session(id, id, "test", new Dictionary<string, string>(), new RigTime(times.Min()), new RigTime(times.Max()), SessionState.Complete, rigName),
            [.. streams.Select(s => s.Descriptor)],
            streams.ToDictionary(s => s.Descriptor.Id.Value, s => new StreamCounts(s.Samples.Count, s.Samples.Count, 0, 0)), [], streams.Count, 0);
        Chunks = [.. streams.Where(s => s.Samples.Count > 0).Select(s => new ChunkInfo(s.Descriptor.Id, 0, s.Samples[0].Sequence, s.Samples[^1].Sequence,
            s.Samples.Count, s.Samples[0].Rig.Time, s.Samples[^1].Rig.Time, ChunkCodec.None, 0, 0, 0, ""))];
    }

    public SessionRecord Record { get; }

    public IReadOnlyList<ChunkInfo> Chunks { get; }

    public bool TryReadChunk(ChunkInfo chunk, [NotNullWhen(true)] out IReadOnlyList<Sample>? samples, [NotNullWhen(false)] out ChunkProblem? problem)
    {
        samples = _samples[chunk.Stream];
        problem = null;
        return true;
    }
}
