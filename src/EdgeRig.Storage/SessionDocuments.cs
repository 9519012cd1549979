using EdgeRig.Core;
using LiteDB;

namespace EdgeRig.Storage;

/// <summary>Maps catalogue and chunk-index records to and from BSON by hand, so the stored shape is explicit.</summary>
internal static class SessionDocuments
{
    public static BsonDocument ToBson(Session s, IReadOnlyList<StreamDescriptor> streams)
    {
        var tags = new BsonDocument();
        foreach (var (k, v) in s.Tags) tags[k] = v;
        return new BsonDocument
        {
            ["_id"] = s.Id,
            ["name"] = s.Name,
            ["operator"] = s.Operator,
            ["tags"] = tags,
            ["start"] = s.Start.Nanoseconds,
            ["stop"] = s.Stop is { } stop ? stop.Nanoseconds : BsonValue.Null,
            ["state"] = s.State.ToString(),
            ["rig"] = s.RigName,
            ["stopReason"] = s.StopReason,
            ["calibration"] = s.Calibration,
            ["streams"] = new BsonArray(streams.Select(ToBson)),
            ["counts"] = new BsonDocument(),
            ["markers"] = new BsonArray(),
            ["chunkCount"] = 0,
            ["storedBytes"] = 0L,
        };
    }

    public static BsonDocument ToBson(StreamDescriptor d)
    {
        var p = new BsonDocument();
        foreach (var (k, v) in d.Parameters) p[k] = v;
        return new BsonDocument
        {
            ["id"] = d.Id.Value,
            ["modality"] = d.Modality.ToString(),
            ["encoding"] = d.Encoding,
            ["rate"] = d.NominalRateHz,
            ["units"] = d.Units,
            ["device"] = d.DeviceId,
            ["frame"] = d.FrameId,
            ["tickRate"] = d.SensorTickRateHz,
            ["timestamps"] = d.Timestamps.ToString(),
            ["wrap"] = d.SensorWrapModulus,
            ["knownLatency"] = d.KnownLatency.Nanoseconds,
            ["params"] = p,
        };
    }

    public static StreamDescriptor ToStream(BsonDocument b) =>
        new(new StreamId(b["id"].AsString), Enum.Parse<Modality>(b["modality"].AsString), b["encoding"].AsString, b["rate"].AsDouble,
            b["units"].AsString, b["device"].AsString, b["frame"].AsString)
        {
            SensorTickRateHz = b["tickRate"].AsDouble,
            Timestamps = Enum.Parse<TimestampSource>(b["timestamps"].AsString),
            SensorWrapModulus = b["wrap"].AsInt64,
            KnownLatency = new Duration(b["knownLatency"].AsInt64),
            Parameters = b["params"].AsDocument.ToDictionary(kv => kv.Key, kv => kv.Value.AsString),
        };

    public static BsonDocument ToBson(Marker m) => new()
    {
        ["t"] = m.Time.Nanoseconds,
        ["label"] = m.Label,
        ["note"] = m.Note,
        ["source"] = m.Source,
    };

    public static BsonDocument ToBson(IReadOnlyDictionary<string, StreamCounts> counts)
    {
        var doc = new BsonDocument();
        foreach (var (k, c) in counts)
            doc[k] = new BsonDocument { ["produced"] = c.Produced, ["recorded"] = c.Recorded, ["dropped"] = c.Dropped, ["gaps"] = c.SensorGaps };
        return doc;
    }

    public static SessionRecord ToRecord(BsonDocument b)
    {
        var session = new Session(
            b["_id"].AsString, b["name"].AsString, b["operator"].AsString,
            b["tags"].AsDocument.ToDictionary(kv => kv.Key, kv => kv.Value.AsString),
            new RigTime(b["start"].AsInt64),
            b["stop"].IsNull ? null : new RigTime(b["stop"].AsInt64),
            Enum.Parse<SessionState>(b["state"].AsString),
            b["rig"].AsString)
        { StopReason = b["stopReason"].AsString, Calibration = b["calibration"].IsString ? b["calibration"].AsString : "" };
        var counts = b["counts"].AsDocument.ToDictionary(kv => kv.Key, kv => new StreamCounts(
            kv.Value["produced"].AsInt64, kv.Value["recorded"].AsInt64, kv.Value["dropped"].AsInt64, kv.Value["gaps"].AsInt64));
        var markers = b["markers"].AsArray.Select(m => new Marker(new RigTime(m["t"].AsInt64), m["label"].AsString, m["note"].AsString, m["source"].AsString)).ToList();
        var sync = b["sync"].IsDocument
            ? b["sync"].AsDocument.ToDictionary(kv => kv.Key, kv => new BoundStats(kv.Value["count"].AsInt64,
                new Duration(kv.Value["p50"].AsInt64), new Duration(kv.Value["p99"].AsInt64), new Duration(kv.Value["max"].AsInt64)))
            : new Dictionary<string, BoundStats>();
        return new SessionRecord(session, b["streams"].AsArray.Select(s => ToStream(s.AsDocument)).ToList(), counts, markers,
            b["chunkCount"].AsInt32, b["storedBytes"].AsInt64)
        {
            Sync = sync,
            PulledAt = b["pulledAt"].IsNumber ? DateTimeOffset.FromUnixTimeMilliseconds(b["pulledAt"].AsInt64) : null,
            QaVerdict = b["qaVerdict"].IsString ? QaVerdicts.Parse(b["qaVerdict"].AsString) : null,
            QaReportJson = b["qa"].IsString ? b["qa"].AsString : "",
            RedactionReportJson = b["redaction"].IsString ? b["redaction"].AsString : "",
            Purged = b["purged"].IsDocument ? b["purged"].AsDocument.ToDictionary(kv => kv.Key, kv => kv.Value.AsString) : new Dictionary<string, string>(),
            KeyId = b["keyId"].IsString ? b["keyId"].AsString : "",
        };
    }

    public static BsonDocument ToBson(IReadOnlyDictionary<string, BoundStats> sync)
    {
        var doc = new BsonDocument();
        foreach (var (k, b) in sync)
            doc[k] = new BsonDocument { ["count"] = b.Count, ["p50"] = b.P50.Nanoseconds, ["p99"] = b.P99.Nanoseconds, ["max"] = b.Max.Nanoseconds };
        return doc;
    }

    public static BsonDocument ToBson(PtpRecord r) => new()
    {
        ["t"] = r.At.Nanoseconds,
        ["available"] = r.Available,
        ["state"] = r.PortState,
        ["offset"] = r.OffsetNs,
        ["delay"] = r.PathDelayNs,
        ["locked"] = r.Locked,
    };

    public static PtpRecord ToPtp(BsonDocument b) =>
        new(new RigTime(b["t"].AsInt64), b["available"].AsBoolean, b["state"].AsString, b["offset"].AsInt64, b["delay"].AsDouble, b["locked"].AsBoolean);

    public static BsonDocument ToBson(ChunkInfo c) => new()
    {
        ["stream"] = c.Stream.Value,
        ["index"] = c.Index,
        ["firstSeq"] = c.FirstSequence,
        ["lastSeq"] = c.LastSequence,
        ["count"] = c.Count,
        ["firstRig"] = c.FirstRigTime.Nanoseconds,
        ["lastRig"] = c.LastRigTime.Nanoseconds,
        ["codec"] = (int)c.Codec,
        ["raw"] = c.RawLength,
        ["stored"] = c.StoredLength,
        ["crc"] = (long)c.Crc32C,
        ["sha256"] = c.Sha256Hex,
    };

    public static ChunkInfo ToChunk(BsonDocument b) => new(
        new StreamId(b["stream"].AsString), b["index"].AsInt32, b["firstSeq"].AsInt64, b["lastSeq"].AsInt64, b["count"].AsInt32,
        new RigTime(b["firstRig"].AsInt64), new RigTime(b["lastRig"].AsInt64), (ChunkCodec)b["codec"].AsInt32,
        b["raw"].AsInt32, b["stored"].AsInt32, (uint)b["crc"].AsInt64, b["sha256"].AsString);
}
