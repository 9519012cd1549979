using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeRig.Calibration.Profiles;

/// <summary>One stream's calibrated fixed latency, tied to the device it was measured on.</summary>
public sealed record StreamCalibration(string Stream, string DeviceId, double OffsetNs, double CiLowNs, double CiHighNs, int EventsUsed, string Method);

/// <summary>
/// A named, versioned set of per-stream latencies for one rig, optionally with its spatial calibration (<see cref="Spatial"/>). Versions of a name form its history (1, 2, ...); a saved
/// version never changes. Applying it subtracts each stream's offset from rig times when data is read or exported.
/// </summary>
public sealed record CalibrationProfile(
    string Name,
    int Version,
    string Rig,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    string Note,
    IReadOnlyList<StreamCalibration> Streams)
{
    public const string JsonFormat = "edgerig-calibration-profile/1";

    /// <summary>Lenses and sensor poses from a spatial calibration; null for a profile of time offsets only (all profiles saved
    /// before spatial calibration existed read back with none, in the same JSON format).</summary>
    public SpatialCalibration? Spatial { get; init; }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>A draft (version 0, saved as the next version) from a run; refuses a run where any stream failed.</summary>
    /// <param name="devices">Device id of each stream (from the session's stream descriptors).</param>
    public static CalibrationProfile FromRun(string name, string rig, IReadOnlyList<StreamOffset> results, IReadOnlyDictionary<string, string> devices,
        string createdBy, string note, DateTimeOffset createdAt)
    {
        var failed = results.Where(r => !r.Succeeded).ToList();
        if (failed.Count > 0)
            throw new InvalidOperationException($"not saving profile '{name}' from a failed run: {string.Join("; ", failed.Select(f => f.FailedBecause))}");
        if (results.Count == 0) throw new InvalidOperationException($"not saving profile '{name}': the run calibrated no stream");
        var streams = results.Select(r => new StreamCalibration(r.Stream, devices.TryGetValue(r.Stream, out var d) ? d
            : throw new ArgumentException($"no device id for stream '{r.Stream}'", nameof(devices)),
            r.OffsetNs, r.CiLowNs, r.CiHighNs, r.EventsUsed, r.Method)).ToList();
        return new CalibrationProfile(name, 0, rig, createdAt, createdBy, note, streams);
    }

    /// <summary>A draft from a judged run: refuses it unless every stream passed the rig's tolerance (a profile never comes from a failed run).</summary>
    public static CalibrationProfile FromRun(string name, string rig, IReadOnlyList<StreamVerdict> verdicts, IReadOnlyDictionary<string, string> devices,
        string createdBy, string note, DateTimeOffset createdAt)
    {
        var failed = verdicts.Where(v => !v.Passed).ToList();
        if (failed.Count > 0)
            throw new InvalidOperationException($"not saving profile '{name}' from a failed run: {string.Join("; ", failed.Select(f => f.FailedBecause))}");
        return FromRun(name, rig, verdicts.Select(v => v.Offset).ToList(), devices, createdBy, note, createdAt);
    }

    /// <summary>A draft of the next version carrying <paramref name="spatial"/> beside this profile's time offsets (the spatial
    /// solver only hands over a section that passed).</summary>
    public CalibrationProfile WithSpatial(SpatialCalibration spatial, string createdBy, string note, DateTimeOffset createdAt) =>
        this with { Version = 0, Spatial = spatial, CreatedBy = createdBy, Note = note, CreatedAt = createdAt };

    /// <summary>A draft of the next version of <paramref name="name"/> carrying <paramref name="spatial"/>: the time offsets of
    /// <paramref name="latest"/> (that name's latest version) are kept; a new name starts with none. The draft is
    /// <paramref name="rig"/>'s, so the store refuses it when the name belongs to another rig.</summary>
    public static CalibrationProfile SpatialDraft(CalibrationProfile? latest, string name, string rig, SpatialCalibration spatial, string createdBy, string note,
        DateTimeOffset createdAt) =>
        latest is not null ? latest.WithSpatial(spatial, createdBy, note, createdAt) with { Rig = rig } : new CalibrationProfile(name, 0, rig, createdAt, createdBy, note, []) { Spatial = spatial };

    public StreamCalibration? For(string stream) => Streams.FirstOrDefault(s => s.Stream == stream);

    /// <summary>The profile as JSON ("format": <see cref="JsonFormat"/>), for files and the lab's records.</summary>
    public string ToJson() => JsonSerializer.Serialize(new ProfileFile(JsonFormat, this), Json);

    /// <exception cref="FormatException">not a calibration profile of a format this version reads.</exception>
    public static CalibrationProfile FromJson(string json)
    {
        ProfileFile? file;
        try { file = JsonSerializer.Deserialize<ProfileFile>(json, Json); }
        catch (JsonException e) { throw new FormatException($"not a calibration profile: {e.Message}", e); }
        if (file?.Format != JsonFormat || file.Profile is null)
            throw new FormatException($"not a calibration profile: format '{file?.Format}', expected '{JsonFormat}'");
        return file.Profile;
    }

    private sealed record ProfileFile(string Format, [property: JsonRequired] CalibrationProfile Profile);
}
