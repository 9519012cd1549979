using EdgeRig.Api.V1;
using EdgeRig.Cli;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace EdgeRig.IntegrationTests;

/// <summary>Tokens with roles, revocation and the audit trail, through the real service.</summary>
public sealed class SecurityTests(RigServiceFixture rig) : IClassFixture<RigServiceFixture>
{
    private Admin.AdminClient AdminClient => new(rig.Channel);

    private GrpcChannel ChannelWith(string? token) => new RigConnection(rig.Url, token, null, null).Open();

    private async Task<string> NewToken(string role)
    {
        var reply = await AdminClient.CreateTokenAsync(new CreateTokenRequest { Name = $"{role}-{Guid.NewGuid():N}"[..20], Role = role });
        Assert.StartsWith("erk_", reply.Secret);
        return reply.Secret;
    }

    [Fact]
    public async Task WithoutToken_EveryRpcButHealthIsUnauthenticated()
    {
        using var anonymous = ChannelWith(null);
        var status = await Assert.ThrowsAsync<RpcException>(() => new Rig.RigClient(anonymous).GetStatusAsync(new GetStatusRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, status.StatusCode);
        var list = await Assert.ThrowsAsync<RpcException>(() => new Sessions.SessionsClient(anonymous).ListSessionsAsync(new ListSessionsRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, list.StatusCode);
        var pull = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = new Sessions.SessionsClient(anonymous).PullSession(new PullSessionRequest { SessionId = "x" });
            await call.ResponseStream.MoveNext(CancellationToken.None);
        });
        Assert.Equal(StatusCode.Unauthenticated, pull.StatusCode);
        var health = await new Health.HealthClient(anonymous).CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);

        using var forged = ChannelWith("erk_not-a-real-token");
        var bad = await Assert.ThrowsAsync<RpcException>(() => new Rig.RigClient(forged).GetStatusAsync(new GetStatusRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, bad.StatusCode);
    }

    [Fact]
    public async Task WrongRole_PermissionDeniedNamingTheRoleNeeded()
    {
        using var technician = ChannelWith(await NewToken("technician"));
        Assert.Equal("sim-default", (await new Rig.RigClient(technician).GetStatusAsync(new GetStatusRequest())).RigName);
        var pull = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = new Sessions.SessionsClient(technician).PullSession(new PullSessionRequest { SessionId = "x" });
            await call.ResponseStream.MoveNext(CancellationToken.None);
        });
        Assert.Equal(StatusCode.PermissionDenied, pull.StatusCode);
        Assert.Contains("data or lab or admin", pull.Status.Detail);

        using var data = ChannelWith(await NewToken("data"));
        var start = await Assert.ThrowsAsync<RpcException>(() => new Rig.RigClient(data).StartRecordingAsync(new StartRecordingRequest()).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, start.StatusCode);
        Assert.Contains("technician or admin", start.Status.Detail);
        var token = await Assert.ThrowsAsync<RpcException>(() => new Admin.AdminClient(data).CreateTokenAsync(new CreateTokenRequest { Name = "x", Role = "admin" }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, token.StatusCode);
    }

    [Fact]
    public async Task RevokedToken_StopsWorkingAtOnce()
    {
        var created = await AdminClient.CreateTokenAsync(new CreateTokenRequest { Name = "short-lived", Role = "data" });
        using var channel = ChannelWith(created.Secret);
        await new Sessions.SessionsClient(channel).ListSessionsAsync(new ListSessionsRequest());
        await AdminClient.RevokeTokenAsync(new RevokeTokenRequest { Name = "short-lived" });
        var e = await Assert.ThrowsAsync<RpcException>(() => new Sessions.SessionsClient(channel).ListSessionsAsync(new ListSessionsRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        var listed = await AdminClient.ListTokensAsync(new ListTokensRequest());
        Assert.True(listed.Tokens.Single(t => t.Name == "short-lived").RevokedMs > 0);
        Assert.DoesNotContain(listed.ToString(), created.Secret); // secrets never come back
    }

    [Fact]
    public async Task Audit_RecordsWhoRecordedPulledAndDeleted()
    {
        var techSecret = await AdminClient.CreateTokenAsync(new CreateTokenRequest { Name = "ana", Role = "technician" });
        using var tech = ChannelWith(techSecret.Secret);
        var session = await new Rig.RigClient(tech).StartRecordingAsync(new StartRecordingRequest { Name = "audited" });
        await Task.Delay(500);
        await new Rig.RigClient(tech).StopRecordingAsync(new StopRecordingRequest());
        string outDir = Paths.TempDir("audit");
        try
        {
            // half a second right after boot is all clock-mapping warm-up: QA fails it, the admin forces the pull
            await new SessionPuller(new Sessions.SessionsClient(rig.Channel)) { Force = true }.PullAsync(session.Id, outDir, null, CancellationToken.None);
            await new Sessions.SessionsClient(rig.Channel).DeleteSessionAsync(new DeleteSessionRequest { SessionId = session.Id });
            var audit = await AdminClient.ListAuditAsync(new ListAuditRequest { SessionId = session.Id });
            var actions = audit.Entries.Select(e => $"{e.Who}:{e.Action}:{e.Succeeded}").ToList();
            Assert.Contains("ana:record.start:True", actions);
            Assert.Contains("ana:record.stop:True", actions);
            Assert.Contains("admin:pull:True", actions);
            Assert.Contains("admin:pull.confirm:True", actions);
            Assert.Contains("admin:delete:True", actions);
        }
        finally
        {
            Directory.Delete(outDir, recursive: true);
        }
    }

    [Fact]
    public void FirstAdminToken_IsWrittenOwnerOnly()
    {
        string file = Paths.AdminTokenFile(rig.DataDir);
        Assert.True(File.Exists(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
    }
}
