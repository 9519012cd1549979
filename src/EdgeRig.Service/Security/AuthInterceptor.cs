using EdgeRig.Core;
using Google.Protobuf;
using global::Grpc.Core;
using global::Grpc.Core.Interceptors;

namespace EdgeRig.Service.Security;

/// <summary>
/// Every RPC but health needs "authorization: Bearer TOKEN" with a role the method allows: UNAUTHENTICATED
/// without a valid token, PERMISSION_DENIED naming the role needed otherwise. The token is checked by the rig's one
/// authentication scheme (<see cref="RigTokenAuthenticationHandler"/>, on every call, so revocation is immediate); this
/// interceptor applies <see cref="RolePolicy"/> to its principal. Audited calls (record, pull, export, delete, tokens)
/// are appended to the audit trail with the caller, the session and the outcome.
/// </summary>
public sealed class AuthInterceptor(IAuditLog audit, TimeProvider time, ILogger<AuthInterceptor> logger) : Interceptor
{
    public const string CallerKey = "edgerig.caller";

    /// <summary>Who is calling, as this interceptor recorded it; null when it did not run (anonymous methods, tests calling services directly).</summary>
    public static Caller? CallerOf(ServerCallContext context) =>
        context.UserState.TryGetValue(CallerKey, out var c) ? c as Caller : null;

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var caller = await AuthorizeAsync(context);
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
        var caller = await AuthorizeAsync(context);
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

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context);
        await continuation(requestStream, responseStream, context);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context);
        return await continuation(requestStream, context);
    }

    private async Task<Caller?> AuthorizeAsync(ServerCallContext context)
    {
        if (RolePolicy.IsAnonymous(context.Method)) return null;
        var outcome = await RigTokenAuthentication.AuthenticateAsync(context.GetHttpContext());
        if (outcome.Refused)
        {
            logger.LogWarning("{Method}: refused an unknown, revoked or expired token from {Peer}", context.Method, context.Peer);
            throw new RpcException(new Status(StatusCode.Unauthenticated, RigTokenAuthenticationHandler.RefusedToken));
        }
        if (outcome.Caller is not { } caller)
            throw new RpcException(new Status(StatusCode.Unauthenticated, "a token is required: send 'authorization: Bearer TOKEN' (edgerig login, or EDGERIG_TOKEN)"));
        var roles = RolePolicy.RolesFor(context.Method);
        if (!roles.Contains(caller.Role))
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"{context.Method} needs the {RolePolicy.Describe(roles)} role; token '{caller.TokenName}' has {caller.Role.ToString().ToLowerInvariant()}"));
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
