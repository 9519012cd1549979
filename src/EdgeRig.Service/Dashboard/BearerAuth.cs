using EdgeRig.Core;
using EdgeRig.Service.Security;

namespace EdgeRig.Service.Dashboard;

/// <summary>
/// The dashboard's and /metrics' use of the rig's one authentication scheme (<see cref="RigTokenAuthenticationHandler"/>,
/// the same tokens as gRPC, looked up per request so revocation is immediate): 401 without a valid token, 403 naming
/// the role needed.
/// </summary>
public static class BearerAuth
{
    /// <summary>
    /// An endpoint filter that lets the request through only with a valid token of a role that
    /// <see cref="RolePolicy"/> allows for the equivalent gRPC method (e.g. "/edgerig.v1.Rig/StartRecording").
    /// </summary>
    public static TBuilder RequireToken<TBuilder>(this TBuilder endpoint, string sameRolesAsGrpcMethod) where TBuilder : IEndpointConventionBuilder =>
        endpoint.AddEndpointFilter(async (context, next) =>
        {
            var outcome = await RigTokenAuthentication.AuthenticateAsync(context.HttpContext);
            return Refusal(outcome, RolePolicy.RolesFor(sameRolesAsGrpcMethod)) ?? await next(context);
        });

    /// <summary>The caller the filter let through.</summary>
    public static Caller CallerOf(HttpContext http) => RigTokenAuthentication.CallerOf(http.User);

    /// <summary>The 401 or 403 for a request with this outcome, or null when it may go on.</summary>
    internal static IResult? Refusal(TokenOutcome outcome, IReadOnlyList<Role> roles)
    {
        if (outcome.Refused)
            return Results.Json(new { error = RigTokenAuthenticationHandler.RefusedToken }, statusCode: StatusCodes.Status401Unauthorized);
        if (outcome.Caller is not { } caller)
            return Results.Json(new { error = "a token is required: send 'Authorization: Bearer TOKEN'" }, statusCode: StatusCodes.Status401Unauthorized);
        if (roles.Contains(caller.Role)) return null;
        string needed = RolePolicy.Describe(roles);
        return Results.Json(new { error = $"this needs the {needed} role; token '{caller.TokenName}' has {caller.Role.ToString().ToLowerInvariant()}" },
            statusCode: StatusCodes.Status403Forbidden);
    }
}
