using Microsoft.Extensions.Configuration;
using System.Net;
using EdgeRig.Core;
using EdgeRig.Service.Security;

namespace EdgeRig.Service.Tests;

public class ListenPlanTests
{
    [Theory]
    [InlineData("http://127.0.0.1:50051", false)]
    [InlineData("http://localhost:50051", false)]
    [InlineData("http://[::1]:50051", false)]
    [InlineData("https://0.0.0.0:50051", true)]
    [InlineData("https://*:50051", true)]
    [InlineData("https://192.168.1.20:50051", true)]
    public void Parse_AllowedAddresses(string url, bool tls)
    {
        var l = Assert.Single(ListenPlan.Parse(url));
        Assert.Equal(tls, l.Tls);
        Assert.Equal(50051, l.Port);
    }

    [Theory]
    [InlineData("http://0.0.0.0:50051", "beyond loopback without TLS")]
    [InlineData("http://*:50051", "beyond loopback without TLS")]
    [InlineData("http://10.0.0.5:1", "beyond loopback without TLS")]
    [InlineData("ftp://127.0.0.1:1", "not an http:// or https://")]
    [InlineData("https://rig.local:50051", "not the host name 'rig.local'")]
    [InlineData("", "no address")]
    public void Parse_Refused_SaysWhy(string url, string reason)
    {
        var e = Assert.Throws<UnsafeListenException>(() => ListenPlan.Parse(url));
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void Parse_SeveralAddresses_KeepsEach()
    {
        var plan = ListenPlan.Parse("http://127.0.0.1:1;https://0.0.0.0:2");
        Assert.Equal([false, true], plan.Select(p => p.Tls));
        Assert.Equal(IPAddress.Any, plan[1].Address);
    }

    [Theory]
    [InlineData("/edgerig.v1.Rig/StartRecording", Role.Technician, true)]
    [InlineData("/edgerig.v1.Rig/StartRecording", Role.Data, false)]
    [InlineData("/edgerig.v1.Sessions/PullSession", Role.Lab, true)]
    [InlineData("/edgerig.v1.Sessions/DeleteSession", Role.Data, false)]
    [InlineData("/edgerig.v1.Admin/CreateToken", Role.Admin, true)]
    [InlineData("/edgerig.v1.Unknown/Method", Role.Lab, false)]
    public void RolePolicy_AllowsByRole_UnknownMethodsAdminOnly(string method, Role role, bool allowed) =>
        Assert.Equal(allowed, RolePolicy.RolesFor(method).Contains(role));

    [Theory]
    [InlineData("Kestrel:Endpoints:Evil:Url", "http://0.0.0.0:56008")]
    [InlineData("Kestrel:Endpoints:Evil:Protocols", "Http1")]
    [InlineData("Kestrel:EndpointDefaults:Protocols", "Http1")]
    [InlineData("Kestrel:Certificates:Default:Path", "/tmp/other.pfx")]
    [InlineData("HTTP_PORTS", "56008")]
    [InlineData("https_ports", "56009")]
    [InlineData("preferHostingUrls", "true")]
    public void RefuseOtherListeners_SettingOutsideThePlan_RefusedNamingIt(string key, string value)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["urls"] = "http://127.0.0.1:1", [key] = value }).Build();
        var e = Assert.Throws<UnsafeListenException>(() => ListenPlan.RefuseOtherListeners(config));
        Assert.Contains($"'{key}'", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(key.Replace(":", "__"), e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(value, e.Message);
    }

    [Fact]
    public void RefuseOtherListeners_PlanSettingsAndKestrelLimits_Accepted()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["urls"] = "https://0.0.0.0:50051",
            ["dashboard-urls"] = "none",
            ["EdgeRig:DataDir"] = "/var/lib/edgerig",
            ["Kestrel:Limits:MaxConcurrentConnections"] = "100",
        }).Build();
        ListenPlan.RefuseOtherListeners(config);
    }
}
