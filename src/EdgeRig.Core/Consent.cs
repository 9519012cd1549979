namespace EdgeRig.Core;

/// <summary>Consent scopes: what a subject agreed may be recorded and used.</summary>
public static class ConsentScopes
{
    public const string Video = "video";
    public const string Audio = "audio";
    public static readonly IReadOnlyList<string> All = [Video, Audio];

    /// <summary>The scope a stream's data falls under, or null (LIDAR, IMU and GPIO identify no one).</summary>
    public static string? Of(Modality modality) => modality switch
    {
        Modality.Camera => Video,
        Modality.Audio => Audio,
        _ => null,
    };
}

/// <summary>
/// A consent record: a pseudonymous subject's permission to record and use the given scopes for a purpose, between
/// two dates, backed by a signed form kept elsewhere (its reference), attached to the sessions it covers.
/// </summary>
public sealed record ConsentRecord(
    string Id,
    string Subject,
    IReadOnlyList<string> Scopes,
    string Purpose,
    DateTimeOffset Granted,
    DateTimeOffset? Expires,
    string FormReference,
    IReadOnlyList<string> Sessions,
    DateTimeOffset Created,
    string CreatedBy)
{
    public DateTimeOffset? Withdrawn { get; init; }
    public string WithdrawnBy { get; init; } = "";

    /// <summary>The lab or admin confirmation, null while the record is pending (anyone allowed to record consent may add one).</summary>
    public ConsentConfirmation? Confirmation { get; init; }

    /// <summary>Sessions attached but not (yet) covered by the confirmation.</summary>
    public IReadOnlyList<string> PendingSessions => Sessions.Except(Confirmation?.Sessions ?? []).ToList();

    /// <summary>Whether this consent releases data of <paramref name="scope"/> of session <paramref name="sessionId"/>, recorded from
    /// <paramref name="recordedAt"/>, at <paramref name="now"/>: it <see cref="Covers"/> it and was confirmed for that session.</summary>
    public bool Releases(string scope, string sessionId, DateTimeOffset recordedAt, DateTimeOffset now) =>
        Confirmation is { } c && c.Sessions.Contains(sessionId) && Covers(scope, recordedAt, now);

    /// <summary>Whether this consent lets data of <paramref name="scope"/> recorded from <paramref name="recordedAt"/> leave the rig at <paramref name="now"/>:
    /// granted before the recording, not expired, not withdrawn.</summary>
    public bool Covers(string scope, DateTimeOffset recordedAt, DateTimeOffset now) =>
        Withdrawn is null && Scopes.Contains(scope) && Granted <= recordedAt && (Expires is null || Expires > now);
}

/// <summary>
/// A lab or admin's confirmation that a consent record is backed by its signed form: who, when, and the sessions it was
/// attached to then (a session attached later stays pending until the record is confirmed again).
/// </summary>
public sealed record ConsentConfirmation(DateTimeOffset At, string By, IReadOnlyList<string> Sessions);

/// <summary>Consent records (in the catalogue).</summary>
public interface IConsentStore
{
    /// <exception cref="ArgumentException">a field is missing or malformed; the message names it.</exception>
    ConsentRecord Add(ConsentRecord draft);

    /// <summary>Every record, or those attached to one session.</summary>
    IReadOnlyList<ConsentRecord> List(string? sessionId);

    /// <exception cref="NotFoundException">no record has that id.</exception>
    ConsentRecord Get(string id);

    /// <exception cref="NotFoundException">no record has that id.</exception>
    ConsentRecord Attach(string id, string sessionId);

    /// <exception cref="NotFoundException">no record has that id.</exception>
    /// <exception cref="InvalidRigStateException">it was withdrawn already.</exception>
    ConsentRecord Withdraw(string id, DateTimeOffset at, string by);
}
