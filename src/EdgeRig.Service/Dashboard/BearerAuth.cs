using EdgeRig.Core;

namespace EdgeRig.Service.Dashboard;

/// <summary>
/// Checks "Authorization: Bearer TOKEN" on a dashboard or metrics request against the rig's tokens (the same
/// tokens as gRPC): 401 without a valid token, 403 naming the role needed. Looked up per request, so revocation
/// is immediate.
/// </summary>
public static class BearerAuth
{
    /// <summary>
    /// An endpoint filter that lets the request through only with a valid token of a role that
    /// <see cref="Security.RolePolicy"/> allows for the equivalent gRPC method (e.g. "/edgerig.v1.Rig/StartRecording").
    /// </summary>
    public static TBuilder RequireToken<TBuilder>(this TBuilder endpoint, string sameRolesAsGrpcMethod) where TBuilder : IEndpointConventionBuilder =>
        endpoint.AddEndpointFilter(async (context, next) =>
        {
            var roles = Security.RolePolicy.RolesFor(sameRolesAsGrpcMethod);
            var http = context.HttpContext;
            var caller = Authorize(http, roles, out var refusal);
            if (caller is null) return refusal;
            http.Items[typeof(Caller)] = caller;
            return await next(context);
        });

    public static Caller CallerOf(HttpContext http) => (Caller)http.Items[typeof(Caller)]!;

    private static Caller? Authorize(HttpContext http, IReadOnlyList<Role> roles, out IResult refusal)
    {
        refusal = Results.Empty;
        string header = http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            refusal = Results.Json(new { error = "a token is required: send 'Authorization: Bearer TOKEN'" }, statusCode: StatusCodes.Status401Unauthorized);
            return null;
        }
        var services = http.RequestServices;
        var token = services.GetRequiredService<ITokenStore>().Validate(header["Bearer ".Length..].Trim(), services.GetRequiredService<TimeProvider>().GetUtcNow());
        if (token is null)
        {
            refusal = Results.Json(new { error = "the token is unknown, revoked or expired" }, statusCode: StatusCodes.Status401Unauthorized);
            return null;
        }
        if (!roles.Contains(token.Role))
        {
            string needed = Security.RolePolicy.Describe(roles);
            refusal = Results.Json(new { error = $"this needs the {needed} role; token '{token.Name}' has {token.Role.ToString().ToLowerInvariant()}" }, statusCode: StatusCodes.Status403Forbidden);
            return null;
        }
        return new Caller(token.Name, token.Role);
    }
}
