using EdgeRig.Core;
using EdgeRig.Service.Security;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace EdgeRig.Service.Tests;

/// <summary>The gRPC side of the one authentication scheme: refusals word for word, roles, the caller and the audit trail.</summary>
public sealed class AuthInterceptorTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
    private readonly AuditList _audit = new();

    /// <summary>The audit trail as a list.</summary>
    private sealed class AuditList : IAuditLog
    {
        public List<AuditEntry> Entries { get; } = [];
        public void Append(AuditEntry entry) => Entries.Add(entry);
        public IReadOnlyList<AuditEntry> Read(string? sessionId, int limit) => Entries;
    }

    /// <summary>A call to <paramref name="method"/> whose HTTP request carries <paramref name="authorization"/>; the token
    /// "ana" has the data role.</summary>
    private TestServerCallContext Call(string method, string? authorization)
    {
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<ITokenStore>(new OneTokenStore(_time.GetUtcNow(), Role.Data))
            .AddSingleton<TimeProvider>(_time)
            .AddRigTokenAuthentication()
            .BuildServiceProvider();
        var http = new Microsoft.AspNetCore.Http.DefaultHttpContext { RequestServices = services };
        if (authorization is not null) http.Request.Headers.Authorization = authorization;
        var call = new TestServerCallContext(method);
        call.UserState["__HttpContext"] = http; // where GetHttpContext() finds it outside Kestrel
        return call;
    }

    private Task<string> Invoke(ServerCallContext call) =>
        new AuthInterceptor(_audit, _time, Microsoft.Extensions.Logging.Abstractions.NullLogger<AuthInterceptor>.Instance).UnaryServerHandler("request", call, (_, _) => Task.FromResult("reply"));

    [Theory]
    [InlineData(null, "a token is required: send 'authorization: Bearer TOKEN' (edgerig login, or EDGERIG_TOKEN)")]
    [InlineData("Basic YW5h", "a token is required: send 'authorization: Bearer TOKEN' (edgerig login, or EDGERIG_TOKEN)")]
    [InlineData("Bearer erk_forged", "the token is unknown, revoked or expired")]
    public async Task Unary_NoOrRefusedToken_UnauthenticatedWithTheSameMessage(string? authorization, string message)
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => Invoke(Call("/edgerig.v1.Rig/GetStatus", authorization)));
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        Assert.Equal(message, e.Status.Detail);
        Assert.Empty(_audit.Entries);
    }

    [Fact]
    public async Task Unary_WrongRole_PermissionDeniedNamingTheRoles()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => Invoke(Call("/edgerig.v1.Rig/StartRecording", "Bearer " + OneTokenStore.Secret)));
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Equal("/edgerig.v1.Rig/StartRecording needs the technician or admin role; token 'ana' has data", e.Status.Detail);
    }

    [Fact]
    public async Task Unary_Health_AnsweredWithoutAToken()
    {
        var call = Call("/grpc.health.v1.Health/Check", null);
        Assert.Equal("reply", await Invoke(call));
        Assert.Null(AuthInterceptor.CallerOf(call));
    }

    [Fact]
    public async Task Unary_AllowedRole_CallerRecordedAndAudited()
    {
        var call = Call("/edgerig.v1.Sessions/ExportSession", "Bearer " + OneTokenStore.Secret);
        Assert.Equal("reply", await Invoke(call));
        Assert.Equal(new Caller("ana", Role.Data), AuthInterceptor.CallerOf(call));
        var entry = Assert.Single(_audit.Entries);
        Assert.Equal(("ana", "export", true), (entry.Who, entry.Action, entry.Succeeded));
    }
}
