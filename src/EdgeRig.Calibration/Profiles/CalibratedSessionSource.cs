using System.Diagnostics.CodeAnalysis;
using EdgeRig.Core;
using EdgeRig.Export.SessionMcap;

namespace EdgeRig.Calibration.Profiles;

/// <summary>A session read with a calibration profile applied: each stream's rig times move earlier by its offset (stored data is untouched).</summary>
public sealed class CalibratedSessionSource(ISessionSource inner, CalibrationProfile profile) : ISessionSource
{
    private readonly Dictionary<string, StreamDescriptor> _streams = inner.Record.Streams.ToDictionary(s => s.Id.Value);

    public SessionRecord Record => inner.Record;

    /// <summary>The profile as an MCAP attachment, so the file says which calibration its log times carry.</summary>
    public SessionAttachment Attachment =>
        new($"calibration/{profile.Name}@{profile.Version}.json", "application/json", Record.Session.Start, System.Text.Encoding.UTF8.GetBytes(profile.ToJson()));

    public IReadOnlyList<ChunkInfo> Chunks => inner.Chunks;

    public bool TryReadChunk(ChunkInfo chunk, [NotNullWhen(true)] out IReadOnlyList<Sample>? samples, [NotNullWhen(false)] out ChunkProblem? problem)
    {
        if (!inner.TryReadChunk(chunk, out samples, out problem)) return false;
        samples = CalibrationApplier.Apply(profile, _streams[chunk.Stream.Value], samples).ToList();
        return true;
    }
}
