using EdgeRig.Core;

namespace EdgeRig.Calibration.Profiles;

/// <summary>
/// Applies a profile when data is read or exported: a stream's rig times move earlier by its offset, so they name the
/// physical moment (cameras: the exposure start). Stored samples are never rewritten; streams the profile lacks pass unchanged.
/// </summary>
public static class CalibrationApplier
{
    /// <summary>The stream's samples with the profile's offset subtracted from each rig time (rounded to the ns).</summary>
    /// <exception cref="InvalidOperationException">the profile measured this stream on another device.</exception>
    public static IEnumerable<Sample> Apply(CalibrationProfile profile, StreamDescriptor stream, IEnumerable<Sample> samples)
    {
        var offset = OffsetFor(profile, stream);
        return offset == Duration.Zero ? samples : samples.Select(s => s with { Rig = s.Rig with { Time = s.Rig.Time - offset } });
    }

    /// <summary>The offset to subtract for a stream (zero if the profile has none for it).</summary>
    public static Duration OffsetFor(CalibrationProfile profile, StreamDescriptor stream)
    {
        var c = profile.For(stream.Id.Value);
        if (c is null) return Duration.Zero;
        if (c.DeviceId != stream.DeviceId)
            throw new InvalidOperationException($"profile '{profile.Name}' v{profile.Version} calibrated stream '{c.Stream}' on device '{c.DeviceId}', but this stream comes from '{stream.DeviceId}'");
        return new Duration((long)Math.Round(c.OffsetNs));
    }

    /// <summary>
    /// The profile as readers and exports apply it to one session: each of its streams' offsets (checked against the stream's
    /// device), <paramref name="source"/> saying which profile and why, and the profile file an export attaches
    /// ("calibration/NAME@VERSION.json", so the file says which calibration its times carry).
    /// </summary>
    /// <exception cref="InvalidOperationException">the profile measured one of the session's streams on another device.</exception>
    public static SessionCalibration ForSession(CalibrationProfile profile, SessionRecord record, string source)
    {
        var offsets = record.Streams.Select(d => (d.Id.Value, Offset: OffsetFor(profile, d))).Where(x => x.Offset != Duration.Zero).ToDictionary(x => x.Value, x => x.Offset);
        var attachment = new SessionAttachment($"calibration/{new ProfileReference(profile.Name, profile.Version)}.json", "application/json", record.Session.Start,
            System.Text.Encoding.UTF8.GetBytes(profile.ToJson()));
        return new SessionCalibration(source, offsets, attachment) { Geometry = profile.Spatial?.ToGeometry($"{new ProfileReference(profile.Name, profile.Version)} spatial calibration") };
    }
}
