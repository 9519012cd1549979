using System.Security.Claims;
using System.Text.Encodings.Web;
using EdgeRig.Core;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace EdgeRig.Service.Security;

/// <summary>
/// The one authentication scheme of the rig, for gRPC and the dashboard alike: "Authorization: Bearer TOKEN" looked up
/// in the <see cref="ITokenStore"/> on every request (so revocation is immediate), giving a principal with the token's
/// name and role. No bearer header: no result (each surface says what an anonymous request may do); a token that is
/// unknown, revoked or expired: a failure. The token itself is never logged.
/// </summary>
public sealed class RigTokenAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    ITokenStore tokens, TimeProvider time) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "EdgeRigToken";
    public const string RefusedToken = "the token is unknown, revoked or expired";
    private const string Bearer = "Bearer ";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase)) return Task.FromResult(AuthenticateResult.NoResult());
        if (tokens.Validate(header[Bearer.Length..].Trim(), time.GetUtcNow()) is not { } token)
            return Task.FromResult(AuthenticateResult.Fail(RefusedToken));
        Claim[] claims = [new(ClaimTypes.Name, token.Name), new(ClaimTypes.Role, token.Role.ToString())];
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName, ClaimTypes.Name, ClaimTypes.Role));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }
}

/// <summary>What a request's token says: none was sent, it was refused, or who is calling.</summary>
public sealed record TokenOutcome(Caller? Caller, bool Refused)
{
    public bool Missing => Caller is null && !Refused;
}

/// <summary>Registers <see cref="RigTokenAuthenticationHandler"/> and reads its result for a request.</summary>
public static class RigTokenAuthentication
{
    public static IServiceCollection AddRigTokenAuthentication(this IServiceCollection services)
    {
        // AddAuthenticationCore, not AddAuthentication: the latter also registers data protection, whose hosted service makes
        // and loads an XML key ring at start-up (System.Private.Xml resident) for cookies the rig never issues (#14)
        services.AddAuthenticationCore(o => o.DefaultScheme = RigTokenAuthenticationHandler.SchemeName).AddWebEncoders();
        new AuthenticationBuilder(services)
            .AddScheme<AuthenticationSchemeOptions, RigTokenAuthenticationHandler>(RigTokenAuthenticationHandler.SchemeName, null);
        return services;
    }

    /// <summary>Authenticates the request with the rig's scheme (once per request: a second call reuses the result).</summary>
    public static async Task<TokenOutcome> AuthenticateAsync(HttpContext http)
    {
        var result = await http.AuthenticateAsync(RigTokenAuthenticationHandler.SchemeName);
        if (!result.Succeeded) return new TokenOutcome(null, Refused: result.Failure is not null);
        http.User = result.Principal;
        return new TokenOutcome(CallerOf(result.Principal), Refused: false);
    }

    /// <summary>The caller a principal of this scheme stands for.</summary>
    public static Caller CallerOf(ClaimsPrincipal principal) =>
        new(principal.Identity?.Name ?? throw new InvalidOperationException("the principal has no name"),
            Enum.Parse<Role>(principal.FindFirstValue(ClaimTypes.Role) ?? throw new InvalidOperationException("the principal has no role")));
}
