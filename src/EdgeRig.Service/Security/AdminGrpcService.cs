using EdgeRig.Api.V1;
using EdgeRig.Core;
using global::Grpc.Core;

namespace EdgeRig.Service.Security;

/// <summary>Tokens and the audit trail over gRPC.</summary>
public sealed class AdminGrpcService(ITokenStore tokens, IAuditLog audit, TimeProvider time, ISessionCatalogue store) : Admin.AdminBase
{
    public override Task<RepairSessionResponse> RepairSession(RepairSessionRequest request, ServerCallContext context)
    {
        var repairs = store.RepairSession(request.SessionId);
        var reply = new RepairSessionResponse { SessionId = request.SessionId, Chunks = store.GetSession(request.SessionId).ChunkCount };
        reply.Repairs.AddRange(repairs);
        return Task.FromResult(reply);
    }

    public override Task<CreateTokenResponse> CreateToken(CreateTokenRequest request, ServerCallContext context)
    {
        if (!Enum.TryParse<Role>(request.Role, ignoreCase: true, out var role) || int.TryParse(request.Role, out _))
            throw new ArgumentException($"role '{request.Role}' is not one of technician, data, lab, admin");
        if (request.ExpiresInDays < 0 || double.IsNaN(request.ExpiresInDays) || request.ExpiresInDays > 36500)
            throw new ArgumentException($"expires_in_days {request.ExpiresInDays} must be in [0, 36500]");
        DateTimeOffset? expires = request.ExpiresInDays > 0 ? time.GetUtcNow().AddDays(request.ExpiresInDays) : null;
        string secret = tokens.Create(request.Name, role, expires);
        return Task.FromResult(new CreateTokenResponse { Secret = secret, Token = ToApi(tokens.List().Single(t => t.Name == request.Name)) });
    }

    public override Task<ListTokensResponse> ListTokens(ListTokensRequest request, ServerCallContext context)
    {
        var reply = new ListTokensResponse();
        reply.Tokens.AddRange(tokens.List().Select(ToApi));
        return Task.FromResult(reply);
    }

    public override Task<TokenInfo> RevokeToken(RevokeTokenRequest request, ServerCallContext context)
    {
        tokens.Revoke(request.Name, time.GetUtcNow());
        return Task.FromResult(ToApi(tokens.List().Single(t => t.Name == request.Name)));
    }

    public override Task<ListAuditResponse> ListAudit(ListAuditRequest request, ServerCallContext context)
    {
        var reply = new ListAuditResponse();
        reply.Entries.AddRange(audit.Read(request.SessionId, request.Limit == 0 ? 100 : request.Limit).Select(e => new AuditEntryInfo
        {
            AtMs = e.At.ToUnixTimeMilliseconds(),
            Who = e.Who,
            Action = e.Action,
            SessionId = e.SessionId,
            Detail = e.Detail,
            Succeeded = e.Succeeded,
        }));
        return Task.FromResult(reply);
    }

    public override Task<TokenInfo> WhoAmI(WhoAmIRequest request, ServerCallContext context)
    {
        var caller = AuthInterceptor.CallerOf(context) ?? throw new InvalidRigStateException("no caller");
        return Task.FromResult(ToApi(tokens.List().Single(t => t.Name == caller.TokenName)));
    }

    private static TokenInfo ToApi(TokenRecord t) => new()
    {
        Name = t.Name,
        Role = t.Role.ToString().ToLowerInvariant(),
        CreatedMs = t.Created.ToUnixTimeMilliseconds(),
        ExpiresMs = t.Expires?.ToUnixTimeMilliseconds() ?? 0,
        RevokedMs = t.Revoked?.ToUnixTimeMilliseconds() ?? 0,
    };
}
