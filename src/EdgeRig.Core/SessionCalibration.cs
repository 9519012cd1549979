using System.Diagnostics.CodeAnalysis;

namespace EdgeRig.Core;

/// <summary>
/// A calibration as a reader applies it: each stream's offset, subtracted from its rig times when data is read or exported
/// (stored samples are never rewritten), where it came from (which profile, and why), and the profile file an export carries.
/// </summary>
public sealed record SessionCalibration(string Source, IReadOnlyDictionary<string, Duration> Offsets, SessionAttachment? Attachment)
{
    /// <summary>The profile's spatial section as exports carry it (lenses, the sensor frames on the rig); null when it has none.</summary>
    public SessionGeometry? Geometry { get; init; }

    /// <summary>No correction (rig time as recorded), with why none is applied (e.g. "none (--calibration none)").</summary>
    public static SessionCalibration None(string source) => new(source, new Dictionary<string, Duration>(), null);

    /// <summary>The offset of a stream (zero for streams the calibration does not cover).</summary>
    public Duration OffsetOf(string stream) => Offsets.GetValueOrDefault(stream);

    /// <summary>The session read with these offsets applied.</summary>
    public ISessionSource Apply(ISessionSource source) => Offsets.Count == 0 ? source : new CalibratedSessionSource(source, this);

    /// <summary>A session whose rig times each move earlier by their stream's offset.</summary>
    private sealed class CalibratedSessionSource(ISessionSource inner, SessionCalibration calibration) : ISessionSource
    {
        public SessionRecord Record => inner.Record;

        public IReadOnlyList<ChunkInfo> Chunks => inner.Chunks;

        public bool TryReadChunk(ChunkInfo chunk, [NotNullWhen(true)] out IReadOnlyList<Sample>? samples, [NotNullWhen(false)] out ChunkProblem? problem)
        {
            if (!inner.TryReadChunk(chunk, out samples, out problem)) return false;
            var offset = calibration.OffsetOf(chunk.Stream.Value);
            if (offset != Duration.Zero) samples = Shift(samples, offset);
            return true;
        }

        public bool ReadsConcurrently => inner.ReadsConcurrently;

        public bool TryLeaseChunk(ChunkInfo chunk, [NotNullWhen(true)] out ChunkLease? lease, [NotNullWhen(false)] out ChunkProblem? problem)
        {
            if (!inner.TryLeaseChunk(chunk, out lease, out problem)) return false;
            var offset = calibration.OffsetOf(chunk.Stream.Value);
            if (offset != Duration.Zero) lease = lease.With(Shift(lease.Samples, offset));
            return true;
        }

        private static List<Sample> Shift(IReadOnlyList<Sample> samples, Duration offset) =>
            samples.Select(s => s with { Rig = s.Rig with { Time = s.Rig.Time - offset } }).ToList();
    }
}
