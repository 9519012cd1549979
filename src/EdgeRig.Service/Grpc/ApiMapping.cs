using EdgeRig.Api.V1;
using EdgeRig.Core;
using ApiStreamCounts = EdgeRig.Api.V1.StreamCounts;

namespace EdgeRig.Service.Grpc;

/// <summary>Domain values to API messages.</summary>
internal static class ApiMapping
{
    public static Verdict ToApi(QaVerdict? verdict) => verdict switch
    {
        QaVerdict.Pass => Verdict.Pass,
        QaVerdict.Warn => Verdict.Warn,
        QaVerdict.Fail => Verdict.Fail,
        _ => Verdict.Unspecified,
    };

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
            Calibration = s.Calibration,
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
        foreach (var (k, b) in r.Sync)
            info.Sync[k] = new BoundStatsInfo { Count = b.Count, P50Ns = b.P50.Nanoseconds, P99Ns = b.P99.Nanoseconds, MaxNs = b.Max.Nanoseconds };
        info.ChunkCount = r.ChunkCount;
        info.PulledAtMs = r.PulledAt?.ToUnixTimeMilliseconds() ?? 0;
        info.StoredBytes = r.StoredBytes;
        info.QaVerdict = ToApi(r.QaVerdict);
        foreach (var (k, v) in r.Purged) info.Purged[k] = v;
        info.Encrypted = r.KeyId.Length > 0;
        return info;
    }

    public static PtpInfo ToApi(this Timing.Ptp.PtpStatus s, PtpProfile profile) => new()
    {
        Enabled = profile.Enabled,
        Available = s.Available,
        Error = s.Error,
        PortState = s.Snapshot?.PortState ?? "",
        MasterOffsetNs = s.Snapshot?.MasterOffsetNs ?? 0,
        MeanPathDelayNs = s.Snapshot?.MeanPathDelayNs ?? 0,
        GrandmasterPresent = s.Snapshot?.GrandmasterPresent ?? false,
        GrandmasterIdentity = s.Snapshot?.GrandmasterIdentity ?? "",
        Locked = s.Locked,
        LockedSinceNs = s.LockedSince is { } t ? RigTime.FromDateTimeOffset(t).Nanoseconds : 0,
        Summary = s.Summary,
        RequiredToRecord = profile.RequireLockToRecord,
    };

    public static PtpHistory ToApi(this IReadOnlyList<PtpRecord> polls)
    {
        var h = new PtpHistory
        {
            Polls = polls.Count,
            LockedPolls = polls.Count(p => p.Locked),
            UnavailablePolls = polls.Count(p => !p.Available),
            MaxAbsOffsetNs = polls.Where(p => p.Available).Select(p => Math.Abs(p.OffsetNs)).DefaultIfEmpty(0).Max(),
            LockChanges = polls.Zip(polls.Skip(1)).Count(x => x.First.Locked != x.Second.Locked),
        };
        h.Recent.AddRange(polls.TakeLast(20).Select(p => new PtpPoll { TimeNs = p.At.Nanoseconds, Available = p.Available, PortState = p.PortState, OffsetNs = p.OffsetNs, Locked = p.Locked }));
        return h;
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

    /// <summary>An MCAP export's result as the summary the export stream ends with (withheld streams and redactions are the caller's to add).</summary>
    public static ExportSummary ToApi(this Export.SessionMcap.SessionMcapResult result)
    {
        var summary = new ExportSummary { Format = "mcap", Bytes = result.Bytes, Sha256 = result.Sha256 };
        foreach (var (topic, n) in result.MessageCounts) summary.MessageCounts[topic] = n;
        summary.Problems.AddRange(result.Problems.Select(p => new ExportProblem
        {
            Stream = p.Stream, Index = p.Index, Kind = p.Kind.ToString().ToLowerInvariant(), Reason = p.Reason,
        }));
        return summary;
    }
}
