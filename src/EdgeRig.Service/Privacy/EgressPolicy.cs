using EdgeRig.Core;
using EdgeRig.Privacy;

namespace EdgeRig.Service.Privacy;

/// <summary>
/// What of a session may leave the rig for a caller, by the rig's privacy section and the session's consent records:
/// audio without valid, lab- or admin-confirmed consent (where the rig requires it) is withheld; camera frames leave raw only for a role with raw
/// access and valid consent, or when they were redacted at capture — otherwise pulls withhold them and exports redact them.
/// </summary>
public sealed class EgressPolicy(RigProfile rig, IConsentStore consents, TimeProvider time, IFrameRedactor? redactor = null,
    string redactorUnavailable = "not configured (privacy.redaction, privacy.faceCascade)")
{
    /// <summary>Redacts frames on the way out; null when face detection is not available.</summary>
    public IFrameRedactor? Redactor => redactor;

    /// <summary>Why <see cref="Redactor"/> is null, e.g. "unavailable: OpenCvSharpExtern not found (…)".</summary>
    public string RedactorUnavailable => redactorUnavailable;

    /// <summary>Streams withheld (with why), camera streams that must be redacted on the way out, and why they may not leave raw
    /// (what a pull, which carries stored bytes and so cannot redact, says when it withholds them).</summary>
    public sealed record Decision(IReadOnlyDictionary<string, string> Withheld, IReadOnlySet<string> Redact, string RawRefusal = "");

    /// <summary>Whether the session's camera frames were redacted before they were stored.</summary>
    public static bool RedactedAtCapture(SessionRecord record) => record.RedactionReportJson.Length > 0;

    /// <summary>The session as it may leave the rig under <paramref name="decision"/>: withheld streams left out, camera frames
    /// that need it redacted on the way (<see cref="EgressSessionSource.FramesRedacted"/> counts them). Exports and uploads
    /// read sessions through this, so both leave the rig exactly alike.</summary>
    public ISessionSource Outgoing(ISessionStore store, SessionRecord record, Decision decision, out EgressSessionSource? redacting)
    {
        ISessionSource source = new Formats.SessionStoreSource(store, record);
        redacting = null;
        if (decision.Withheld.Count > 0 || decision.Redact.Count > 0)
            source = redacting = new EgressSessionSource(source, decision, redactor, redactorUnavailable);
        return source;
    }

    /// <summary>Streams a pull (or an upload of stored chunks) must leave out: stored bytes cannot be redacted, so streams that
    /// need redaction are withheld with the withheld ones.</summary>
    public Dictionary<string, string> WithheldFromStoredBytes(SessionRecord record, Role role)
    {
        var decision = For(record, role);
        var withheld = new Dictionary<string, string>(decision.Withheld);
        foreach (var s in decision.Redact) withheld[s] = decision.RawRefusal;
        return withheld;
    }

    public Decision For(SessionRecord record, Role role)
    {
        var privacy = rig.Privacy;
        var now = time.GetUtcNow();
        var start = record.Session.Start.ToDateTimeOffset();
        string session = record.Session.Id;
        var attached = consents.List(session);
        bool ConsentOk(string scope) => !privacy.ConsentRequiredFor.Contains(scope) || attached.Any(c => c.Releases(scope, session, start, now));
        // a record that would cover the scope but is not confirmed for this session: say so, it is what to act on
        string Missing(string scope) => attached.FirstOrDefault(c => c.Covers(scope, start, now)) is { } pending
            ? $"consent '{pending.Id}' for {scope} of session '{session}' is pending: lab or admin confirms it (edgerig consent confirm {pending.Id})"
            : $"no valid {scope} consent covers session '{session}' (edgerig consent add --scope {scope} --session {session})";
        bool rawRole = privacy.RawAccessRoles.Contains(role.ToString().ToLowerInvariant());
        bool videoConsent = ConsentOk(ConsentScopes.Video);
        var withheld = new Dictionary<string, string>();
        var redact = new HashSet<string>();
        foreach (var stream in record.Streams)
        {
            string id = stream.Id.Value;
            switch (ConsentScopes.Of(stream.Modality))
            {
                case ConsentScopes.Audio when !ConsentOk(ConsentScopes.Audio):
                    withheld[id] = Missing(ConsentScopes.Audio);
                    break;
                case ConsentScopes.Video when !RedactedAtCapture(record) && !(videoConsent && (privacy.Redaction == RedactionPolicy.Off || rawRole)):
                    redact.Add(id);
                    break;
            }
        }
        string refusal = redact.Count == 0 ? ""
            : videoConsent
                ? $"raw camera frames need a role with raw access ({string.Join(", ", privacy.RawAccessRoles)}); role {role.ToString().ToLowerInvariant()} gets them redacted through export"
                : $"{Missing(ConsentScopes.Video)}: camera frames leave the rig only redacted, through export";
        return new Decision(withheld, redact, refusal);
    }
}
