using EdgeRig.Core;
using Google.Protobuf;
using global::Grpc.Core;
using global::Grpc.Core.Interceptors;

namespace EdgeRig.Service.Security;

/// <summary>
/// Every RPC but health needs "authorization: Bearer TOKEN" with a role the method allows: UNAUTHENTICATED
/// without a valid token, PERMISSION_DENIED naming the role needed otherwise. Looks the token up on every call,
/// so revocation is immediate. Audited calls (record, pull, export, delete, tokens) are appended to the audit
/// trail with the caller, the session and the outcome.
/// </summary>
public sealed class AuthInterceptor(ITokenStore tokens, IAuditLog audit, TimeProvider time, ILogger<AuthInterceptor> logger) : Interceptor
{
    public const string CallerKey = "edgerig.caller";

    /// <summary>Who is calling, as this interceptor recorded it; null when it did not run (anonymous methods, tests calling services directly).</summary>
    public static Caller? CallerOf(ServerCallContext context) =>
        context.UserState.TryGetValue(CallerKey, out var c) ? c as Caller : null;

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var caller = Authorize(context);
        try
        {
            var response = await continuation(request, context);
            Audit(context, caller, request, response, null);
            return response;
        }
        catch (Exception e)
        {
            Audit(context, caller, request, null, e);
            throw;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var caller = Authorize(context);
        try
        {
            await continuation(request, responseStream, context);
            Audit(context, caller, request, null, null);
        }
        catch (Exception e)
        {
            Audit(context, caller, request, null, e);
            throw;
        }
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(requestStream, responseStream, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(requestStream, context);
    }

    private Caller? Authorize(ServerCallContext context)
    {
        if (RolePolicy.IsAnonymous(context.Method)) return null;
        string? header = context.RequestHeaders.GetValue("authorization");
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            throw new RpcException(new Status(StatusCode.Unauthenticated, "a token is required: send 'authorization: Bearer TOKEN' (edgerig login, or EDGERIG_TOKEN)"));
        var token = tokens.Validate(header["Bearer ".Length..].Trim(), time.GetUtcNow());
        if (token is null)
        {
            logger.LogWarning("{Method}: refused an unknown, revoked or expired token from {Peer}", context.Method, context.Peer);
            throw new RpcException(new Status(StatusCode.Unauthenticated, "the token is unknown, revoked or expired"));
        }
        var roles = RolePolicy.RolesFor(context.Method);
        if (!roles.Contains(token.Role))
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"{context.Method} needs the {RolePolicy.Describe(roles)} role; token '{token.Name}' has {token.Role.ToString().ToLowerInvariant()}"));
        var caller = new Caller(token.Name, token.Role);
        context.UserState[CallerKey] = caller;
        return caller;
    }

    private void Audit(ServerCallContext context, Caller? caller, object request, object? response, Exception? error)
    {
        if (RolePolicy.AuditActionFor(context.Method) is not { } action) return;
        string session = Grpc.ErrorInterceptor.Bounded(SessionIdOf(request) ?? (response is Api.V1.SessionInfo s ? s.Id : ""));
        string detail = error switch
        {
            null => "",
            RpcException r => $"{r.StatusCode}: {Grpc.ErrorInterceptor.Bounded(r.Status.Detail)}",
            _ => error.GetType().Name,
        };
        if (error is null && request is Api.V1.CreateTokenRequest ct) detail = Grpc.ErrorInterceptor.Bounded($"name {ct.Name}, role {ct.Role}");
        if (error is null && request is Api.V1.RevokeTokenRequest rt) detail = $"name {rt.Name}";
        try
        {
            audit.Append(new AuditEntry(time.GetUtcNow(), caller?.TokenName ?? "(anonymous)", action, session, detail, error is null));
        }
        catch (Exception e) when (e is IOException or LiteDB.LiteException)
        {
            logger.LogError("Could not write the audit trail: {Reason}", e.Message);
        }
    }

    private static string? SessionIdOf(object request) =>
        request is IMessage m && m.Descriptor.FindFieldByName("session_id") is { } f ? f.Accessor.GetValue(m) as string : null;
}
