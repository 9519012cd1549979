using EdgeRig.Calibration.Profiles;
using EdgeRig.Storage.Durability;
using LiteDB;

namespace EdgeRig.Service;

/// <summary>Calibration profile versions as documents of the catalogue's journaled "calibration" collection (the stored shape,
/// unchanged since profiles were first kept, so older data directories read back; a spatial section is one more member,
/// "spatial", holding its JSON, absent from profiles without one).</summary>
internal sealed class CatalogueProfileRecords(JournaledCollection collection) : IProfileRecords
{
    public void Insert(CalibrationProfile profile) => collection.Insert(ToDocument(profile));

    public IEnumerable<CalibrationProfile> All() => collection.FindAll().Select(FromDocument);

    private static BsonDocument ToDocument(CalibrationProfile p)
    {
        var document = TimeOffsetsDocument(p);
        if (p.Spatial is { } spatial) document["spatial"] = spatial.ToJson();
        return document;
    }

    private static BsonDocument TimeOffsetsDocument(CalibrationProfile p) => new()
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

    private static CalibrationProfile FromDocument(BsonDocument d) => TimeOffsetsOf(d) with
    {
        Spatial = d.TryGetValue("spatial", out var spatial) && spatial.IsString ? SpatialCalibration.FromJson(spatial.AsString) : null,
    };

    private static CalibrationProfile TimeOffsetsOf(BsonDocument d) => new(
        d["name"].AsString, d["version"].AsInt32, d["rig"].AsString, DateTimeOffset.FromUnixTimeMilliseconds(d["createdAtMs"].AsInt64),
        d["createdBy"].AsString, d["note"].AsString,
        d["streams"].AsArray.Select(v => v.AsDocument).Select(s => new StreamCalibration(s["stream"].AsString, s["device"].AsString,
            s["offsetNs"].AsDouble, s["ciLowNs"].AsDouble, s["ciHighNs"].AsDouble, s["eventsUsed"].AsInt32, s["method"].AsString)).ToList());
}
