using EdgeRig.Api.V1;
using EdgeRig.Core;
using EdgeRig.Service.Security;
using global::Grpc.Core;

namespace EdgeRig.Service.Privacy;

/// <summary>
/// Consent records over gRPC (add and attach, as pending: technician, lab, admin; confirm, which makes a record release
/// data: lab, admin; withdraw and key rotation: admin), and data key rotation.
/// </summary>
public sealed class PrivacyGrpcService(ReviewedConsentStore consents, ISessionCatalogue store, IAuditLog audit, RigProfile rig, TimeProvider time,
    ILogger<PrivacyGrpcService> logger, IChunkCipher? cipher = null) : Api.V1.Privacy.PrivacyBase
{
    public override Task<ConsentInfo> AddConsent(AddConsentRequest request, ServerCallContext context)
    {
        var now = time.GetUtcNow();
        var draft = new ConsentRecord("", request.Subject.Trim(), request.Scopes.Select(s => s.Trim().ToLowerInvariant()).ToList(), request.Purpose.Trim(),
            request.GrantedMs > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(request.GrantedMs) : now,
            request.ExpiresMs > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(request.ExpiresMs) : null,
            request.FormReference.Trim(), request.Sessions.ToList(), now, CallerName(context));
        return Task.FromResult(ToApi(consents.Add(draft)));
    }

    public override Task<ListConsentsResponse> ListConsents(ListConsentsRequest request, ServerCallContext context)
    {
        var reply = new ListConsentsResponse();
        reply.Consents.AddRange(consents.List(request.SessionId.Length > 0 ? request.SessionId : null).Select(ToApi));
        return Task.FromResult(reply);
    }

    public override Task<ConsentInfo> AttachConsent(AttachConsentRequest request, ServerCallContext context) =>
        Task.FromResult(ToApi(consents.Attach(request.Id, request.SessionId)));

    public override Task<ConsentInfo> ConfirmConsent(ConfirmConsentRequest request, ServerCallContext context)
    {
        string who = CallerName(context);
        var now = time.GetUtcNow();
        var record = consents.Confirm(request.Id.Trim(), now, who);
        foreach (var id in record.Sessions)
            audit.Append(new AuditEntry(now, who, "consent.confirm", id,
                $"consent {record.Id} subject {record.Subject}: releases {string.Join(", ", record.Scopes)} (form {record.FormReference})", true));
        logger.LogInformation("Consent {Consent} confirmed by {Who} for {Sessions}", record.Id, who, string.Join(", ", record.Sessions));
        return Task.FromResult(ToApi(record));
    }

    public override Task<WithdrawConsentResponse> WithdrawConsent(WithdrawConsentRequest request, ServerCallContext context)
    {
        var record = consents.Get(request.Id);
        if (record.Withdrawn is not null) throw new InvalidRigStateException($"consent record '{record.Id}' was already withdrawn on {record.Withdrawn:yyyy-MM-dd}");
        foreach (var id in record.Sessions)
        {
            try
            {
                if (store.GetSession(id).Session.State == SessionState.Recording)
                    throw new InvalidRigStateException($"session '{id}', covered by consent '{record.Id}', is still recording; stop it, then withdraw");
            }
            catch (SessionNotFoundException) { }
        }
        string who = CallerName(context);
        var now = time.GetUtcNow();
        record = consents.Withdraw(record.Id, now, who);
        var reply = new WithdrawConsentResponse { Consent = ToApi(record) };
        foreach (var id in record.Sessions)
        {
            SessionRecord session;
            try { session = store.GetSession(id); }
            catch (SessionNotFoundException) { reply.Kept.Add($"{id}: the session was deleted already"); continue; }
            var done = new List<string>();
            foreach (var stream in session.Streams)
            {
                string? scope = ConsentScopes.Of(stream.Modality);
                if (scope is null || !record.Scopes.Contains(scope)) continue;
                string name = stream.Id.Value;
                if (session.Purged.ContainsKey(name)) continue;
                if (stream.Modality == Modality.Camera && EgressPolicy.RedactedAtCapture(session))
                {
                    reply.Kept.Add($"{id}/{name}: faces were redacted at capture; no raw frames are stored");
                    continue;
                }
                long erased = store.PurgeStream(id, name, $"consent '{record.Id}' ({scope}) withdrawn by {who}");
                reply.Purged.Add(new PurgedStream { SessionId = id, Stream = name, ErasedBytes = erased });
                done.Add($"{name} ({erased} bytes erased)");
            }
            audit.Append(new AuditEntry(now, who, "consent.withdraw", id,
                $"consent {record.Id} subject {record.Subject}: " + (done.Count > 0 ? "purged " + string.Join(", ", done) : "nothing to purge"), true));
            if (done.Count > 0) logger.LogInformation("Consent {Consent} withdrawn: purged {Streams} of session {Session}", record.Id, string.Join(", ", done), id);
        }
        return Task.FromResult(reply);
    }

    public override Task<RotateKeyResponse> RotateKey(RotateKeyRequest request, ServerCallContext context)
    {
        if (cipher is null || !rig.Privacy.EncryptAtRest)
            throw new InvalidRigStateException("encryption at rest is off on this rig (rig file privacy.encryptAtRest)");
        string id = cipher.Rotate();
        logger.LogInformation("Data key rotated: new sessions use key {KeyId}", id);
        return Task.FromResult(new RotateKeyResponse { KeyId = id, Keys = cipher.KeyCount });
    }

    private static string CallerName(ServerCallContext context) =>
        AuthInterceptor.CallerOf(context)?.TokenName ?? "";

    public static ConsentInfo ToApi(ConsentRecord c)
    {
        var info = new ConsentInfo
        {
            Id = c.Id,
            Subject = c.Subject,
            Purpose = c.Purpose,
            GrantedMs = c.Granted.ToUnixTimeMilliseconds(),
            ExpiresMs = c.Expires?.ToUnixTimeMilliseconds() ?? 0,
            FormReference = c.FormReference,
            CreatedMs = c.Created.ToUnixTimeMilliseconds(),
            CreatedBy = c.CreatedBy,
            WithdrawnMs = c.Withdrawn?.ToUnixTimeMilliseconds() ?? 0,
            WithdrawnBy = c.WithdrawnBy,
            ConfirmedMs = c.Confirmation?.At.ToUnixTimeMilliseconds() ?? 0,
            ConfirmedBy = c.Confirmation?.By ?? "",
        };
        info.Scopes.AddRange(c.Scopes);
        info.Sessions.AddRange(c.Sessions);
        info.ConfirmedSessions.AddRange(c.Confirmation?.Sessions ?? []);
        return info;
    }
}
