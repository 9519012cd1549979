using LiteDB;

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

/// <summary>Where profile documents are kept: the service passes the catalogue's journaled "calibration" collection, whose
/// inserts are durable when they return.</summary>
public interface IProfileDocuments
{
    void Insert(BsonDocument document);

    IEnumerable<BsonDocument> FindAll();
}

/// <summary>Calibration profiles as BSON documents in a collection of the catalogue.</summary>
public sealed class LiteDbCalibrationProfileStore(IProfileDocuments profiles) : ICalibrationProfileStore
{
    private readonly IProfileDocuments _profiles = profiles;
    private readonly object _gate = new();

    public CalibrationProfile Save(CalibrationProfile profile)
    {
        if (string.IsNullOrWhiteSpace(profile.Name) || profile.Name.Length > 64 || !profile.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            throw new ArgumentException($"profile name '{profile.Name}' must be 1-64 letters, digits, '-', '_' or '.'", nameof(profile));
        if (profile.Streams.Count == 0 || profile.Streams.Any(s => string.IsNullOrEmpty(s.DeviceId)))
            throw new ArgumentException($"profile '{profile.Name}' needs at least one stream, each with its device id", nameof(profile));
        lock (_gate)
        {
            var history = History(profile.Name);
            if (history.Count > 0 && history[^1].Rig != profile.Rig)
                throw new ArgumentException($"profile '{profile.Name}' belongs to rig '{history[^1].Rig}', not '{profile.Rig}'", nameof(profile));
            var saved = profile with { Version = history.Count == 0 ? 1 : history[^1].Version + 1 };
            _profiles.Insert(ToDocument(saved));
            return saved;
        }
    }

    public CalibrationProfile? Get(string name, int? version = null)
    {
        var history = History(name);
        return version is null ? history.LastOrDefault() : history.FirstOrDefault(p => p.Version == version);
    }

    public IReadOnlyList<CalibrationProfile> History(string name) =>
        _profiles.FindAll().Where(d => d["name"].AsString == name).Select(FromDocument).OrderBy(p => p.Version).ToList();

    public IReadOnlyList<CalibrationProfile> ListLatest(string? rig = null) =>
        _profiles.FindAll().Select(FromDocument).GroupBy(p => p.Name).Select(g => g.MaxBy(p => p.Version)!)
            .Where(p => rig is null || p.Rig == rig).OrderBy(p => p.Name, StringComparer.Ordinal).ToList();

    private static BsonDocument ToDocument(CalibrationProfile p) => new()
    {
        ["_id"] = $"{p.Name}@{p.Version}",
        ["name"] = p.Name,
        ["version"] = p.Version,
        ["rig"] = p.Rig,
        ["createdAtMs"] = p.CreatedAt.ToUnixTimeMilliseconds(),
        ["createdBy"] = p.CreatedBy,
        ["note"] = p.Note,
        ["streams"] = new BsonArray(p.Streams.Select(s => (BsonValue)new BsonDocument
        {
            ["stream"] = s.Stream, ["device"] = s.DeviceId, ["offsetNs"] = s.OffsetNs, ["ciLowNs"] = s.CiLowNs,
            ["ciHighNs"] = s.CiHighNs, ["eventsUsed"] = s.EventsUsed, ["method"] = s.Method,
        })),
    };

    private static CalibrationProfile FromDocument(BsonDocument d) => new(
        d["name"].AsString, d["version"].AsInt32, d["rig"].AsString, DateTimeOffset.FromUnixTimeMilliseconds(d["createdAtMs"].AsInt64),
        d["createdBy"].AsString, d["note"].AsString,
        d["streams"].AsArray.Select(v => v.AsDocument).Select(s => new StreamCalibration(s["stream"].AsString, s["device"].AsString,
            s["offsetNs"].AsDouble, s["ciLowNs"].AsDouble, s["ciHighNs"].AsDouble, s["eventsUsed"].AsInt32, s["method"].AsString)).ToList());
}
