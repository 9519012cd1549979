using System.Text.Json;
using EdgeRig.Core;
using EdgeRig.Service.Dashboard;
using EdgeRig.Service.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeRig.Service.Tests;

/// <summary>The dashboard side of the one authentication scheme: its 401 and 403 answers, word for word.</summary>
public sealed class BearerAuthTests
{
    private static readonly IReadOnlyList<Role> Technicians = RolePolicy.RolesFor("/edgerig.v1.Rig/StartRecording");

    private static async Task<(int Status, string Error)> Execute(IResult result)
    {
        var http = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        http.Response.Body = new MemoryStream();
        await result.ExecuteAsync(http);
        http.Response.Body.Position = 0;
        using var json = await JsonDocument.ParseAsync(http.Response.Body);
        return (http.Response.StatusCode, json.RootElement.GetProperty("error").GetString()!);
    }

    [Fact]
    public async Task Refusal_NoToken_401AskingForOne() =>
        Assert.Equal((401, "a token is required: send 'Authorization: Bearer TOKEN'"), await Execute(BearerAuth.Refusal(new TokenOutcome(null, false), Technicians)!));

    [Fact]
    public async Task Refusal_RefusedToken_401() =>
        Assert.Equal((401, "the token is unknown, revoked or expired"), await Execute(BearerAuth.Refusal(new TokenOutcome(null, true), Technicians)!));

    [Fact]
    public async Task Refusal_WrongRole_403NamingTheRoles() =>
        Assert.Equal((403, "this needs the technician or admin role; token 'ana' has data"),
            await Execute(BearerAuth.Refusal(new TokenOutcome(new Caller("ana", Role.Data), false), Technicians)!));

    [Fact]
    public void Refusal_AllowedRole_None() =>
        Assert.Null(BearerAuth.Refusal(new TokenOutcome(new Caller("bo", Role.Technician), false), Technicians));
}
