using EdgeRig.Storage.Durability;
using LiteDB;

namespace EdgeRig.Service.Upload;

/// <summary>Where a finished session stands on its way to the bucket.</summary>
public enum UploadState
{
    /// <summary>Waiting for its turn (or for its QA report, or for the queue to be resumed).</summary>
    Queued,
    Uploading,
    /// <summary>Every object verified in the bucket and the manifest written.</summary>
    Uploaded,
    /// <summary>Kept back by a gate (failed QA) until an admin releases it.</summary>
    Held,
    /// <summary>The last attempt failed for good; tried again after a back-off, or at once on `edgerig upload retry`.</summary>
    Failed,
}

/// <summary>One session in the upload queue, as kept in the catalogue (progress and rate live in memory only: the bucket is
/// the state of an interrupted upload, so nothing here needs to survive a crash beyond the state and its reasons).</summary>
public sealed record UploadEntry(string SessionId, UploadState State, DateTimeOffset QueuedAt)
{
    /// <summary>Why it is held, what it waits for, or the last error.</summary>
    public string Reason { get; init; } = "";
    public int Attempts { get; init; }
    /// <summary>Failed entries: when the queue tries again by itself.</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }
    public DateTimeOffset? UploadedAt { get; init; }
    /// <summary>An admin released the session past its QA gate.</summary>
    public string ReleasedBy { get; init; } = "";
    public string ManifestKey { get; init; } = "";
    /// <summary>Streams left on the rig, with why (consent, redaction).</summary>
    public IReadOnlyDictionary<string, string> Withheld { get; init; } = new Dictionary<string, string>();
    public bool RigCopyDeleted { get; init; }
    public long BytesTotal { get; init; }
    public long BytesDone { get; init; }

    public static string Name(UploadState s) => s.ToString().ToLowerInvariant();
}

/// <summary>The queue's entries and its paused flag as documents of the catalogue's journaled "uploads" collection.</summary>
internal sealed class UploadRecords(JournaledCollection collection)
{
    public const string Collection = "uploads";
    private const string PausedId = "~paused";

    public IEnumerable<UploadEntry> All() => collection.FindAll().Where(d => d["_id"].AsString != PausedId).Select(FromDocument);

    public void Save(UploadEntry e) => collection.Upsert(ToDocument(e));

    public void Delete(string sessionId) => collection.Delete(sessionId);

    public bool Paused
    {
        get => collection.FindById(PausedId) is { } d && d["paused"].AsBoolean;
        set => collection.Upsert(new BsonDocument { ["_id"] = PausedId, ["paused"] = value });
    }

    private static BsonDocument ToDocument(UploadEntry e) => new()
    {
        ["_id"] = e.SessionId,
        ["state"] = UploadEntry.Name(e.State),
        ["queuedAtMs"] = e.QueuedAt.ToUnixTimeMilliseconds(),
        ["reason"] = e.Reason,
        ["attempts"] = e.Attempts,
        ["nextAttemptMs"] = e.NextAttemptAt?.ToUnixTimeMilliseconds() ?? 0,
        ["uploadedAtMs"] = e.UploadedAt?.ToUnixTimeMilliseconds() ?? 0,
        ["releasedBy"] = e.ReleasedBy,
        ["manifestKey"] = e.ManifestKey,
        ["withheld"] = new BsonDocument(e.Withheld.ToDictionary(kv => kv.Key, kv => (BsonValue)kv.Value)),
        ["rigCopyDeleted"] = e.RigCopyDeleted,
        ["bytesTotal"] = e.BytesTotal,
        ["bytesDone"] = e.BytesDone,
    };

    private static UploadEntry FromDocument(BsonDocument d) => new(d["_id"].AsString, Enum.Parse<UploadState>(d["state"].AsString, ignoreCase: true),
        DateTimeOffset.FromUnixTimeMilliseconds(d["queuedAtMs"].AsInt64))
    {
        Reason = d["reason"].AsString,
        Attempts = d["attempts"].AsInt32,
        NextAttemptAt = d["nextAttemptMs"].AsInt64 is > 0 and var n ? DateTimeOffset.FromUnixTimeMilliseconds(n) : null,
        UploadedAt = d["uploadedAtMs"].AsInt64 is > 0 and var u ? DateTimeOffset.FromUnixTimeMilliseconds(u) : null,
        ReleasedBy = d["releasedBy"].AsString,
        ManifestKey = d["manifestKey"].AsString,
        Withheld = d["withheld"].AsDocument.ToDictionary(kv => kv.Key, kv => kv.Value.AsString),
        RigCopyDeleted = d["rigCopyDeleted"].AsBoolean,
        BytesTotal = d["bytesTotal"].AsInt64,
        BytesDone = d["bytesDone"].AsInt64,
    };
}
