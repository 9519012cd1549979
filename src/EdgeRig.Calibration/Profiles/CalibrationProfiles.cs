using EdgeRig.Core;

namespace EdgeRig.Calibration.Profiles;

/// <summary>The catalogue's calibration profiles: save a new version, read one, list them, see a name's history.</summary>
public interface ICalibrationProfileStore
{
    /// <summary>Saves the profile as the next version of its name and returns it as saved.</summary>
    /// <exception cref="ArgumentException">the name already belongs to another rig, or a stream has no device.</exception>
    CalibrationProfile Save(CalibrationProfile profile);

    /// <summary>The given version of a name, or its latest when <paramref name="version"/> is null; null if none.</summary>
    CalibrationProfile? Get(string name, int? version = null);

    /// <summary>Every version of a name, oldest first.</summary>
    IReadOnlyList<CalibrationProfile> History(string name);

    /// <summary>The latest version of every name, optionally only for one rig.</summary>
    IReadOnlyList<CalibrationProfile> ListLatest(string? rig = null);
}

/// <summary>Where saved profile versions are kept: the service keeps them in the catalogue's journaled "calibration"
/// collection, whose inserts are durable when they return.</summary>
public interface IProfileRecords
{
    void Insert(CalibrationProfile profile);

    IEnumerable<CalibrationProfile> All();
}

/// <summary>Versioned calibration profiles over where they are kept.</summary>
public sealed class CalibrationProfileStore(IProfileRecords profiles) : ICalibrationProfileStore
{
    private readonly IProfileRecords _profiles = profiles;
    private readonly object _gate = new();

    public CalibrationProfile Save(CalibrationProfile profile)
    {
        if (string.IsNullOrWhiteSpace(profile.Name) || ProfileReference.NameProblem(profile.Name) is not null)
            throw new ArgumentException($"profile name '{profile.Name}' must be 1-{ProfileReference.MaxNameLength} letters, digits, '-', '_' or '.'", nameof(profile));
        if ((profile.Streams.Count == 0 && profile.Spatial is null) || profile.Streams.Any(s => string.IsNullOrEmpty(s.DeviceId)))
            throw new ArgumentException($"profile '{profile.Name}' needs at least one stream (each with its device id) or a spatial calibration", nameof(profile));
        lock (_gate)
        {
            var history = History(profile.Name);
            if (history.Count > 0 && history[^1].Rig != profile.Rig)
                throw new ArgumentException($"profile '{profile.Name}' belongs to rig '{history[^1].Rig}', not '{profile.Rig}'", nameof(profile));
            var saved = profile with { Version = history.Count == 0 ? 1 : history[^1].Version + 1 };
            _profiles.Insert(saved);
            return saved;
        }
    }

    public CalibrationProfile? Get(string name, int? version = null)
    {
        var history = History(name);
        return version is null ? history.LastOrDefault() : history.FirstOrDefault(p => p.Version == version);
    }

    public IReadOnlyList<CalibrationProfile> History(string name) =>
        _profiles.All().Where(p => p.Name == name).OrderBy(p => p.Version).ToList();

    public IReadOnlyList<CalibrationProfile> ListLatest(string? rig = null) =>
        _profiles.All().GroupBy(p => p.Name).Select(g => g.MaxBy(p => p.Version)!)
            .Where(p => rig is null || p.Rig == rig).OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
}

/// <summary>Finding saved profiles by reference: the one place "NAME@VERSION" text meets the store.</summary>
public static class CalibrationProfileLookup
{
    /// <summary>Resolves "NAME" or "NAME@VERSION" to a saved profile.</summary>
    /// <exception cref="ArgumentException">the reference is malformed or names no saved profile.</exception>
    public static CalibrationProfile Resolve(this ICalibrationProfileStore profiles, string reference)
    {
        if (!ProfileReference.TryParse(reference, out var parsed, out string? error)) throw new ArgumentException($"calibration {error}");
        return profiles.Get(parsed.Name, parsed.Version) ?? throw new ArgumentException($"calibration profile '{reference}' does not exist");
    }

    /// <summary>The profile a new session of this rig starts with: the latest version of the most recently saved profile, as "NAME@VERSION".</summary>
    public static string? ActiveReference(this ICalibrationProfileStore profiles, string rig) =>
        profiles.ListLatest(rig).OrderByDescending(p => p.CreatedAt).FirstOrDefault() is { } p ? new ProfileReference(p.Name, p.Version).ToString() : null;

    /// <summary>
    /// The calibration an export of a session applies, as the rig chooses it: <paramref name="requested"/> (a reference, or "none")
    /// if given, else the profile the session is recorded with; null for none (raw rig time).
    /// </summary>
    /// <exception cref="ArgumentException">the reference is malformed, names no saved profile, or the profile is another device's.</exception>
    /// <exception cref="InvalidRigStateException">a profile is needed and this rig keeps none.</exception>
    public static SessionCalibration? ForExport(ICalibrationProfileStore? profiles, SessionRecord record, string requested)
    {
        string chosen = requested.Length > 0 ? requested : record.Session.Calibration;
        if (chosen.Length == 0 || chosen == "none") return null;
        if (profiles is null) throw new InvalidRigStateException("calibration profiles are not available on this rig");
        var profile = profiles.Resolve(chosen);
        string why = requested.Length > 0 ? "requested" : "the session's recorded profile";
        try { return CalibrationApplier.ForSession(profile, record, $"{new ProfileReference(profile.Name, profile.Version)} ({why})"); }
        catch (InvalidOperationException e) { throw new ArgumentException(e.Message); }
    }
}
