using EdgeRig.Cli;

namespace EdgeRig.Cli.Tests;

[Collection("console")]
public class CliTests
{
    private static async Task<(int Code, string Err)> Run(params string[] args)
    {
        var err = new StringWriter();
        var old = Console.Error;
        Console.SetError(err);
        try { return (await EdgeRigCli.RunAsync(args), err.ToString()); }
        finally { Console.SetError(old); }
    }

    [Fact]
    public async Task Status_RigUnreachable_ExitsNonZeroWithOneLine()
    {
        var (code, err) = await Run("status", "--url", "http://127.0.0.1:1");
        Assert.Equal(3, code);
        Assert.StartsWith("edgerig: cannot reach the rig at http://127.0.0.1:1", err);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public async Task RecordStart_MalformedTag_ExitsWithReasonBeforeCallingTheRig()
    {
        var (code, err) = await Run("record", "start", "--tag", "novalue", "--url", "http://127.0.0.1:1");
        Assert.Equal(1, code);
        Assert.Contains("--tag 'novalue' is not key=value", err);
    }

    [Fact]
    public async Task Pull_HostileSessionId_IsRefusedLocally()
    {
        var (code, err) = await Run("pull", "../../etc", "--out", Path.GetTempPath(), "--url", "http://127.0.0.1:1");
        Assert.Equal(1, code);
        Assert.Contains("'../../etc' is not a session id", err);
    }

    [Fact]
    public async Task UnknownVerb_IsAParseError()
    {
        var (code, _) = await Run("frobnicate");
        Assert.NotEqual(0, code);
    }

    [Fact]
    public void ResolveUrl_PrefersOptionThenEnvironment()
    {
        var root = EdgeRigCli.Build();
        Environment.SetEnvironmentVariable("EDGERIG_URL", "http://rig.example:50051");
        try
        {
            Assert.Equal("http://rig.example:50051", EdgeRigCli.ResolveUrl(root.Parse(["status"])));
            Assert.Equal("http://10.0.0.1:1", EdgeRigCli.ResolveUrl(root.Parse(["status", "--url", "http://10.0.0.1:1"])));
        }
        finally
        {
            Environment.SetEnvironmentVariable("EDGERIG_URL", null);
        }
        Assert.Equal(EdgeRigCli.DefaultUrl, EdgeRigCli.ResolveUrl(root.Parse(["status"])));
    }
}
