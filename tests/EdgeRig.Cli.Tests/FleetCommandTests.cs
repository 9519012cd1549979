using System.Text.Json;
using EdgeRig.Cli;
using EdgeRig.Cli.Commands;
using EdgeRig.Formats;
using EdgeRig.Upload;
using EdgeRig.Upload.Fleet;
using EdgeRig.Upload.Tests;
using Spectre.Console;

namespace EdgeRig.Cli.Tests;

/// <summary>
/// `edgerig fleet sessions` and `edgerig fleet pull` end to end, in process, against a real radosgw (scripts/s3-local) holding
/// a small fleet uploaded by the real uploader: the JSON lists and filters, a pulled session exports exactly as the
/// original folder does, and every bad input (endpoint, bucket, credentials file, session) is one line and a non-zero exit.
/// </summary>
[Collection("console")]
public sealed class FleetCommandTests(LocalS3Fixture s3) : IClassFixture<LocalS3Fixture>, IAsyncLifetime
{
    private FleetBucket fleet = null!;
    private readonly string outDir = Directory.CreateTempSubdirectory("edgerig-fleet-cli-").FullName;

    public async Task InitializeAsync() => fleet = await FleetBucket.CreateAsync(s3);

    public Task DisposeAsync()
    {
        fleet.Dispose();
        Directory.Delete(outDir, recursive: true);
        return Task.CompletedTask;
    }

    private string[] Connection(string? bucket = null, string? credentials = null, string? endpoint = null) =>
        ["--endpoint", endpoint ?? s3.Endpoint.ToString().TrimEnd('/'), "--bucket", bucket ?? fleet.Upload.Bucket, "--prefix", FleetBucket.Prefix,
         "--credentials-file", credentials ?? s3.CredentialsFile];

    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try { return (await EdgeRigCli.RunAsync(args), stdout.ToString(), stderr.ToString()); }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }

    private async Task<JsonElement> SessionsJson(params string[] filters)
    {
        var (code, stdout, stderr) = await Run([.. new[] { "fleet", "sessions" }, .. Connection(), .. filters, "--json"]);
        Assert.True(code == 0, stderr);
        return JsonDocument.Parse(stdout).RootElement;
    }

    private static string Rigs(JsonElement listing) =>
        string.Join(',', listing.GetProperty("sessions").EnumerateArray().Select(s => s.GetProperty("rig").GetString()));

    [Fact]
    public async Task Sessions_Json_ListsBothRigsSessionsWithTheirFields_AndNamesTheSkippedManifest()
    {
        var listing = await SessionsJson();
        var sessions = listing.GetProperty("sessions").EnumerateArray().ToList();
        Assert.Equal(2, sessions.Count);
        var a = sessions.Single(s => s.GetProperty("rig").GetString() == "rig-a");
        Assert.Equal(fleet.RigAId, a.GetProperty("id").GetString());
        Assert.Equal(("synthetic", "ana", "lab"), (a.GetProperty("name").GetString(), a.GetProperty("operator").GetString(), a.GetProperty("tags").GetProperty("site").GetString()));
        Assert.Equal(("pass", "lab@2"), (a.GetProperty("qaVerdict").GetString(), a.GetProperty("calibration").GetString()));
        Assert.Equal(DateTimeOffset.Parse("2025-06-15T15:06:40Z"), a.GetProperty("start").GetDateTimeOffset());
        Assert.Equal(1.0, a.GetProperty("durationSeconds").GetDouble(), 9);
        Assert.True(a.GetProperty("bytes").GetInt64() > new FileInfo(fleet.RigAMcap).Length);
        var b = sessions.Single(s => s.GetProperty("rig").GetString() == "rig-b");
        Assert.Equal(JsonValueKind.Null, b.GetProperty("qaVerdict").ValueKind);
        Assert.Equal(FleetBucket.BadManifestKey, Assert.Single(listing.GetProperty("skipped").EnumerateArray()).GetProperty("key").GetString());
    }

    [Theory]
    [InlineData(new[] { "--rig", "rig-a" }, "rig-a")]
    [InlineData(new[] { "--rig", "rig-a", "--rig", "rig-b" }, "rig-b,rig-a")]
    [InlineData(new[] { "--since", "2025-01-01" }, "rig-a")]
    [InlineData(new[] { "--until", "2000-01-01" }, "rig-b")]
    [InlineData(new[] { "--since", "1d" }, "")] // both sessions started long before yesterday
    [InlineData(new[] { "--tag", "site=lab-a" }, "rig-b")]
    [InlineData(new[] { "--tag", "site" }, "rig-b,rig-a")]
    [InlineData(new[] { "--incomplete", "--rig", "rig-b" }, "rig-b,rig-b")]
    public async Task Sessions_Filters(string[] filters, string expectedRigs) => Assert.Equal(expectedRigs, Rigs(await SessionsJson(filters)));

    [Fact]
    public async Task Sessions_Table_ShowsEveryColumn_TheIncompleteUpload_AndTheSkippedManifest()
    {
        var (code, _, stderr) = await Run([.. new[] { "fleet", "sessions" }, .. Connection(), "--incomplete"]);
        Assert.True(code == 0, stderr); // the command renders on the terminal; the same rendering, into a string:
        using var reader = new S3BucketReader(fleet.Options, s3.Credentials);
        var listing = await new FleetCatalogue(reader, fleet.Options).ListAsync(new FleetFilter { IncludeIncomplete = true }, CancellationToken.None);
        var text = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(text), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = 300;
        FleetCommands.Render(listing, console);

        string[] lines = text.ToString().Split('\n');
        string rowA = Assert.Single(lines, l => l.Contains(fleet.RigAId));
        foreach (string cell in new[] { "rig-a", "synthetic", "ana", "site=lab", "2025-06-15 15:06:40.000Z", "1.0 s", "pass", "lab@2" })
            Assert.Contains(cell, rowA);
        Assert.Contains("incomplete: no manifest", Assert.Single(lines, l => l.Contains(FleetBucket.Incomplete)));
        Assert.Contains("2 sessions from 2 rigs", text.ToString());
        Assert.Contains($"skipped {FleetBucket.BadManifestKey}: ", text.ToString());
    }

    [Fact]
    public async Task Pull_Json_ThenExportFromFolder_GivesTheSameMcapAsTheOriginalFolder()
    {
        var (code, stdout, stderr) = await Run([.. new[] { "fleet", "pull", $"rig-a/{fleet.RigAId}", "--out", outDir, "--with-mcap" }, .. Connection(), "--json"]);
        Assert.True(code == 0, stderr);
        var pulled = JsonDocument.Parse(stdout).RootElement;
        string folder = pulled.GetProperty("folder").GetString()!;
        Assert.Equal(Path.Combine(outDir, fleet.RigAId), folder);
        Assert.Equal(fleet.RigA.Manifest.Chunks.Count + 1, pulled.GetProperty("downloaded").GetInt32());
        Assert.Equal(fleet.RigA.Manifest.SessionSha256, pulled.GetProperty("sessionSha256").GetString());
        Assert.True(pulled.GetProperty("complete").GetBoolean());

        async Task<JsonElement> Export(string from, string to)
        {
            var (c, o, e) = await Run("export", "--from-folder", from, "--out", to, "--json");
            Assert.True(c == 0, e);
            return JsonDocument.Parse(o).RootElement;
        }
        var original = await Export(fleet.RigA.Folder, Path.Combine(outDir, "original.mcap"));
        var fromBucket = await Export(folder, Path.Combine(outDir, "from-bucket.mcap"));
        Assert.Equal(original.GetProperty("sha256").GetString(), fromBucket.GetProperty("sha256").GetString());
        Assert.Equal(original.GetProperty("bytes").GetInt64(), fromBucket.GetProperty("bytes").GetInt64());

        var (again, againOut, againErr) = await Run([.. new[] { "fleet", "pull", $"rig-a/{fleet.RigAId}", "--out", outDir }, .. Connection(), "--json"]);
        Assert.True(again == 0, againErr);
        var rerun = JsonDocument.Parse(againOut).RootElement;
        Assert.Equal((0, fleet.RigA.Manifest.Chunks.Count), (rerun.GetProperty("downloaded").GetInt32(), rerun.GetProperty("skipped").GetInt32()));
    }

    [Fact]
    public async Task Pull_SessionTheRigCouldNotFullyDeliver_Exit5NamingTheChunks_OrZeroWithAllowPartial()
    {
        using var partial = new SyntheticPulledSession("S20261209-1", chunksPerStream: 2, chunkBytes: 5_000, seed: 9);
        var missing = new ManifestMissingChunk(partial.Manifest.Chunks.Count, "imu0", 2, 20, 29, 10, 2_000, 2_999, "None", 100, 100, 0, "",
            "corrupt", "CRC mismatch on the rig's disk");
        var manifest = partial.Manifest with
        {
            Missing = [missing], SessionSha256 = PulledSessionManifest.ComputeSessionHash(partial.Manifest.Chunks, [missing]),
        };
        manifest.Save(partial.Folder);
        var rigB = fleet.Upload with { Rig = "rig-b" };
        using (var target = new S3UploadTarget(rigB, s3.Credentials))
            await new SessionUploader(target, rigB).UploadAsync(SessionUploadSource.FromPulledFolder(partial.Folder), null, CancellationToken.None);

        string[] pull = ["fleet", "pull", "rig-b/S20261209-1", "--out", outDir, .. Connection(), "--json"];
        var (code, stdout, stderr) = await Run(pull);
        Assert.Equal(EdgeRigCli.PartialExitCode, code);
        Assert.Equal("edgerig: 1 chunks the rig could not deliver are not in this session (the folder's manifest lists them): " +
            "imu0/2 corrupt: CRC mismatch on the rig's disk", stderr.Trim());
        Assert.False(JsonDocument.Parse(stdout).RootElement.GetProperty("complete").GetBoolean());
        Assert.Equal(missing, Assert.Single(PulledSessionManifest.Load(Path.Combine(outDir, "S20261209-1")).Missing));

        var (allowed, _, allowedErr) = await Run([.. pull, "--allow-partial"]);
        Assert.True(allowed == 0, allowedErr);
    }

    [Fact]
    public async Task Pull_DamagedObject_OneLineNamingIt_NonZero()
    {
        string key = $"lab/rig-b/{fleet.RigB.SessionId}/{fleet.RigB.Manifest.Chunks[2].File}";
        await fleet.PutAsync(key, new string('x', fleet.RigB.Manifest.Chunks[2].StoredLength));
        var (code, _, stderr) = await Run([.. new[] { "fleet", "pull", $"rig-b/{fleet.RigB.SessionId}", "--out", outDir }, .. Connection(), "--json"]);
        Assert.Equal(1, code);
        Assert.StartsWith($"edgerig: {key} is damaged in the bucket", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    [Fact]
    public async Task BadEndpoint_Unreachable_OneLine_Exit3()
    {
        var (code, _, stderr) = await Run([.. new[] { "fleet", "sessions" }, .. Connection(endpoint: "http://127.0.0.1:1")]);
        Assert.Equal(3, code);
        Assert.StartsWith("edgerig: cannot reach http://127.0.0.1:1", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    [Fact]
    public async Task PlainHttpOffLoopback_RefusedBeforeAnyRequest()
    {
        var (code, _, stderr) = await Run([.. new[] { "fleet", "sessions" }, .. Connection(endpoint: "http://s3.example:80")]);
        Assert.Equal(1, code);
        Assert.Equal("edgerig: --endpoint: plain http is allowed only on loopback, not to 's3.example': use https://s3.example", stderr.Trim());
    }

    [Theory]
    [InlineData("--bucket", "edgerig: give the bucket the rigs upload to: --bucket NAME")]
    [InlineData("--prefix", "edgerig: --prefix: '..' is not a key component (1–128 of A-Z a-z 0-9 - _ .)")]
    [InlineData("--rig", "edgerig: --rig: 'a b' is not a key component (1–128 of A-Z a-z 0-9 - _ .)")]
    [InlineData("--since", "edgerig: --since 'last week' is not an ISO-8601 time (2026-12-01, 2026-12-01T08:00:00Z) or an age (90s, 30m, 12h, 7d)")]
    public async Task BadOption_OneLineNamingIt_Exit1(string option, string expected)
    {
        string[] args = option switch
        {
            "--bucket" => ["fleet", "sessions", "--endpoint", s3.Endpoint.ToString(), "--credentials-file", s3.CredentialsFile],
            "--prefix" => ["fleet", "sessions", "--endpoint", s3.Endpoint.ToString(), "--bucket", fleet.Upload.Bucket, "--credentials-file", s3.CredentialsFile,
                "--prefix", "lab/.."],
            "--rig" => ["fleet", "sessions", .. Connection(), "--rig", "a b"],
            _ => ["fleet", "sessions", .. Connection(), "--since", "last week"],
        };
        var (code, _, stderr) = await Run(args);
        Assert.Equal(1, code);
        Assert.Equal(expected, stderr.Trim());
    }

    [Fact]
    public async Task MissingBucket_OneLine_Exit1()
    {
        var (code, _, stderr) = await Run([.. new[] { "fleet", "sessions" }, .. Connection(bucket: "no-such-bucket-here")]);
        Assert.Equal(1, code);
        Assert.Equal($"edgerig: bucket 'no-such-bucket-here' does not exist at {s3.Endpoint.GetLeftPart(UriPartial.Authority)}", stderr.Trim());
    }

    [Fact]
    public async Task CredentialsFileReadableByOthers_RefusedNamingIt_WithoutTheSecret()
    {
        string file = Path.Combine(outDir, "credentials");
        File.Copy(s3.CredentialsFile, file);
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var (code, _, stderr) = await Run([.. new[] { "fleet", "pull", $"rig-a/{fleet.RigAId}", "--out", outDir }, .. Connection(credentials: file)]);
        Assert.Equal(1, code);
        Assert.Equal($"edgerig: --credentials-file: {file} has mode 0644: a credentials file must be readable by its owner only (0600): chmod 600 {file}", stderr.Trim());
        Assert.DoesNotContain(s3.Credentials.SecretAccessKey, stderr);
        Assert.False(Directory.Exists(Path.Combine(outDir, fleet.RigAId)));
    }

    [Fact]
    public async Task WrongSecret_RefusedByTheStore_OneLine_Exit2_WithoutTheSecret()
    {
        string file = Path.Combine(outDir, "wrong-credentials");
        File.WriteAllText(file, $"[default]\naws_access_key_id = {s3.Credentials.AccessKeyId}\naws_secret_access_key = not-the-secret-0123456789\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var (code, _, stderr) = await Run([.. new[] { "fleet", "sessions" }, .. Connection(credentials: file)]);
        Assert.Equal(2, code);
        Assert.Contains("refused S3 key " + s3.Credentials.AccessKeyId, stderr);
        Assert.DoesNotContain("not-the-secret", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    [Theory]
    [InlineData("rig-a", "'rig-a' is not RIG/SESSION")]
    [InlineData("../x", "RIG/SESSION: the rig: '..' is not a key component")]
    [InlineData("rig-a/no-such-session", "lab/rig-a/no-such-session/manifest.json not found")]
    public async Task Pull_BadSession_OneLine_Exit1(string reference, string expected)
    {
        var (code, _, stderr) = await Run([.. new[] { "fleet", "pull", reference, "--out", Path.Combine(outDir, "new") }, .. Connection()]);
        Assert.Equal(1, code);
        Assert.StartsWith("edgerig: ", stderr);
        Assert.Contains(expected, stderr);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.False(Directory.Exists(Path.Combine(outDir, "new"))); // nothing left behind
    }
}
