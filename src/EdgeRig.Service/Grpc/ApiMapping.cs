using EdgeRig.Api.V1;
using EdgeRig.Core;
using ApiStreamCounts = EdgeRig.Api.V1.StreamCounts;

namespace EdgeRig.Service.Grpc;

/// <summary>Domain values to API messages.</summary>
internal static class ApiMapping
{
    public static StreamInfo ToApi(this StreamDescriptor d)
    {
        var info = new StreamInfo
        {
            Id = d.Id.Value,
            Modality = d.Modality.ToString().ToLowerInvariant(),
            Encoding = d.Encoding,
            NominalRateHz = d.NominalRateHz,
            Units = d.Units,
            DeviceId = d.DeviceId,
            FrameId = d.FrameId,
            SensorTickRateHz = d.SensorTickRateHz,
            Timestamps = d.Timestamps.ToString(),
            SensorWrapModulus = d.SensorWrapModulus,
            KnownLatencyNs = d.KnownLatency.Nanoseconds,
        };
        foreach (var (k, v) in d.Parameters) info.Parameters[k] = v;
        return info;
    }

    public static ApiStreamCounts ToApi(this Core.StreamCounts c) =>
        new() { Produced = c.Produced, Recorded = c.Recorded, Dropped = c.Dropped, SensorGaps = c.SensorGaps };

    public static MarkerInfo ToApi(this Marker m) =>
        new() { TimeNs = m.Time.Nanoseconds, Label = m.Label, Note = m.Note, Source = m.Source };

    public static SessionInfo ToApi(this Session s)
    {
        var info = new SessionInfo
        {
            Id = s.Id,
            Name = s.Name,
            Operator = s.Operator,
            StartNs = s.Start.Nanoseconds,
            StopNs = s.Stop?.Nanoseconds ?? 0,
            State = s.State.ToString(),
            Rig = s.RigName,
            StopReason = s.StopReason,
        };
        foreach (var (k, v) in s.Tags) info.Tags[k] = v;
        return info;
    }

    public static SessionInfo ToApi(this SessionRecord r)
    {
        var info = r.Session.ToApi();
        info.Streams.AddRange(r.Streams.Select(ToApi));
        foreach (var (k, c) in r.Counts) info.Counts[k] = c.ToApi();
        info.Markers.AddRange(r.Markers.OrderBy(m => m.Time).Select(ToApi));
        info.ChunkCount = r.ChunkCount;
        info.StoredBytes = r.StoredBytes;
        return info;
    }

    public static ChunkMeta ToApi(this ChunkInfo c, int ordinal) => new()
    {
        Ordinal = ordinal,
        Stream = c.Stream.Value,
        Index = c.Index,
        FirstSequence = c.FirstSequence,
        LastSequence = c.LastSequence,
        Count = c.Count,
        FirstRigNs = c.FirstRigTime.Nanoseconds,
        LastRigNs = c.LastRigTime.Nanoseconds,
        Codec = c.Codec.ToString(),
        RawLength = c.RawLength,
        StoredLength = c.StoredLength,
        Crc32C = c.Crc32C,
        Sha256 = c.Sha256Hex,
    };
}
