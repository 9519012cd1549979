using System.Globalization;
using EdgeRig.Core;

namespace EdgeRig.Export.SessionMcap;

/// <summary>The string maps an export stores about the session (Metadata "edgerig.session") and about each stream (channel metadata).</summary>
internal static class SessionMetadata
{
    public static Dictionary<string, string> Of(SessionRecord record)
    {
        var s = record.Session;
        var entries = new Dictionary<string, string>
        {
            ["id"] = s.Id,
            ["name"] = s.Name,
            ["operator"] = s.Operator,
            ["rig"] = s.RigName,
            ["state"] = s.State.ToString(),
            ["stop_reason"] = s.StopReason,
            ["start_ns"] = Int(s.Start.Nanoseconds),
            ["stop_ns"] = Int(s.Stop?.Nanoseconds ?? 0),
            ["start"] = s.Start.ToString(),
            ["stop"] = s.Stop?.ToString() ?? "",
            ["streams"] = string.Join(",", record.Streams.Select(d => d.Id.Value).Order(StringComparer.Ordinal)),
            ["markers"] = Int(record.Markers.Count),
            ["chunks"] = Int(record.ChunkCount),
            ["stored_bytes"] = Int(record.StoredBytes),
        };
        foreach (var (k, v) in s.Tags) entries["tag." + k] = v;
        foreach (var (stream, c) in record.Counts)
            entries["counts." + stream] = $"produced={c.Produced} recorded={c.Recorded} dropped={c.Dropped} sensor_gaps={c.SensorGaps}";
        return entries;
    }

    public static Dictionary<string, string> OfStream(StreamDescriptor d)
    {
        var entries = new Dictionary<string, string>
        {
            ["stream"] = d.Id.Value,
            ["modality"] = d.Modality.ToString().ToLowerInvariant(),
            ["encoding"] = d.Encoding,
            ["device_id"] = d.DeviceId,
            ["frame_id"] = d.FrameId,
            ["units"] = d.Units,
            ["nominal_rate_hz"] = d.NominalRateHz.ToString("R", CultureInfo.InvariantCulture),
            ["timestamps"] = d.Timestamps.ToString(),
            ["known_latency_ns"] = Int(d.KnownLatency.Nanoseconds),
        };
        foreach (var (k, v) in d.Parameters) entries["param." + k] = v;
        return entries;
    }

    private static string Int(long n) => n.ToString(CultureInfo.InvariantCulture);
}
