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

    [Fact]
    public async Task Pull_Fails_LeavesNoEmptyFolderBehind()
    {
        string root = Directory.CreateTempSubdirectory("edgerig-cli-").FullName;
        try
        {
            string kept = Directory.CreateDirectory(Path.Combine(root, "kept")).FullName;
            var (code, _) = await Run("pull", "s1", "--out", Path.Combine(root, "new"), "--url", "http://127.0.0.1:1");
            Assert.Equal(3, code);
            var (again, _) = await Run("pull", "s1", "--out", kept, "--url", "http://127.0.0.1:1");
            Assert.Equal(3, again);
            Assert.Equal([kept], Directory.EnumerateFileSystemEntries(root)); // OUT it created is gone, OUT it was given stays, no OUT/ID
            Assert.Empty(Directory.EnumerateFileSystemEntries(kept));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task Export_OutIsADirectoryOrAnExistingFile_RefusedBeforeCallingTheRig()
    {
        string root = Directory.CreateTempSubdirectory("edgerig-cli-").FullName;
        try
        {
            var (code, err) = await Run("export", "s1", "--out", root, "--url", "http://127.0.0.1:1");
            Assert.Equal(1, code);
            Assert.Contains($"--out '{root}' is a directory; give the file to write, e.g. {Path.Combine(root, "s1.mcap")}", err);

            string existing = Path.Combine(root, "report.pdf");
            File.WriteAllText(existing, "unrelated");
            (code, err) = await Run("export", "s1", "--out", existing, "--url", "http://127.0.0.1:1");
            Assert.Equal(1, code);
            Assert.Contains("exists; give --overwrite to replace it", err);
            (code, _) = await Run("export", "s1", "--out", existing, "--overwrite", "--url", "http://127.0.0.1:1");
            Assert.Equal(3, code); // allowed to try: the rig is unreachable
            Assert.Equal("unrelated", File.ReadAllText(existing));
            Assert.Equal([existing], Directory.EnumerateFileSystemEntries(root));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task WriteViaPart_WriterFails_RemovesThePartAndLeavesOutAlone()
    {
        string root = Directory.CreateTempSubdirectory("edgerig-cli-").FullName;
        try
        {
            string output = Path.Combine(root, "x.mcap");
            await Assert.ThrowsAsync<InvalidDataException>(() => Commands.ExportCommand.WriteViaPartAsync<int>(output, false, async file =>
            {
                await file.WriteAsync(new byte[10 << 20]);
                throw new InvalidDataException("the rig refused halfway");
            }));
            Assert.Empty(Directory.EnumerateFileSystemEntries(root));

            Assert.Equal(7, await Commands.ExportCommand.WriteViaPartAsync(output, false, async file => { await file.WriteAsync(new byte[3]); return 7; }));
            Assert.Equal(3, new FileInfo(output).Length);
            await Assert.ThrowsAsync<IOException>(() => Commands.ExportCommand.WriteViaPartAsync(output, false, _ => Task.FromResult(0)));
            Assert.Equal([output], Directory.EnumerateFileSystemEntries(root));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
