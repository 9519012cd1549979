using System.Text.Json;
using EdgeRig.Api.V1;
using EdgeRig.Cli;
using EdgeRig.Formats;
using Grpc.Core;

namespace EdgeRig.IntegrationTests;

/// <summary>Session -> MCAP through the real service and the CLI, checked by an independent Node reader (@mcap/core + protobufjs).</summary>
public sealed class ExportTests(RigServiceFixture rig) : IClassFixture<RigServiceFixture>
{
    private Rig.RigClient RigClient => new(rig.Channel);
    private Sessions.SessionsClient SessionsClient => new(rig.Channel);
    private Dictionary<string, string> Env => Paths.CliEnv(rig.Url, rig.DataDir);

    private async Task<SessionInfo> RecordAsync(TimeSpan length)
    {
        await RigClient.StartRecordingAsync(new StartRecordingRequest { Name = "export", Operator = "ana" });
        await Task.Delay(length / 2);
        await RigClient.AddMarkerAsync(new AddMarkerRequest { Label = "halfway", Note = "export test" });
        await Task.Delay(length / 2);
        return await RigClient.StopRecordingAsync(new StopRecordingRequest());
    }

    private static Task<ProcessRunner.Result> Cli(IEnumerable<string> args, Dictionary<string, string>? env = null) =>
        ProcessRunner.RunAsync("dotnet", [Paths.CliDll, .. args], TimeSpan.FromSeconds(120), env);

    private static async Task<JsonElement> NodeCheckAsync(string file)
    {
        var r = await ProcessRunner.RunAsync("node", [Path.Combine(Paths.RepoRoot, "tests", "node", "check-mcap.mjs"), file], TimeSpan.FromSeconds(120));
        Assert.True(r.ExitCode == 0, r.Stderr);
        return JsonDocument.Parse(r.Stdout).RootElement.Clone();
    }

    [Fact]
    public async Task ExportOverGrpcAndFromPulledFolder_NodeReaderAgreesWithSessionCounts()
    {
        var session = await RecordAsync(TimeSpan.FromSeconds(2));
        string dir = Paths.TempDir("export");
        try
        {
            string rigFile = Path.Combine(dir, "rig.mcap");
            var export = await Cli(["export", session.Id, "--format", "mcap", "--out", rigFile, "--json"], Env);
            Assert.True(export.ExitCode == 0, export.Stderr);
            using var summary = JsonDocument.Parse(export.Stdout);
            Assert.True(summary.RootElement.GetProperty("complete").GetBoolean());
            Assert.Equal(new FileInfo(rigFile).Length, summary.RootElement.GetProperty("bytes").GetInt64());

            var check = await NodeCheckAsync(rigFile);
            var channels = check.GetProperty("channels");
            foreach (var stream in session.Streams)
            {
                var channel = channels.GetProperty("/" + stream.Id);
                Assert.Equal(session.Counts[stream.Id].Recorded, channel.GetProperty("count").GetInt64());
                Assert.Equal(session.Counts[stream.Id].Recorded, channel.GetProperty("statisticsCount").GetInt64());
                Assert.True(channel.GetProperty("ordered").GetBoolean(), $"/{stream.Id} log times out of order");
            }
            Assert.Equal(session.Markers.Count, channels.GetProperty("/markers").GetProperty("count").GetInt32());
            Assert.True(check.GetProperty("logTimesOrdered").GetBoolean());
            Assert.Equal(0, check.GetProperty("decodeErrors").GetInt32());
            var images = check.GetProperty("images");
            Assert.Equal(session.Counts["cam0"].Recorded + session.Counts["cam1"].Recorded, images.GetProperty("total").GetInt64());
            Assert.Equal(images.GetProperty("total").GetInt64(), images.GetProperty("jpeg").GetInt64());
            var audio = check.GetProperty("audio").GetProperty("/mic0");
            Assert.Equal(session.Counts["mic0"].Recorded * 480, audio.GetProperty("samplesPerChannel").GetInt64());
            Assert.Equal(48000, audio.GetProperty("sampleRate").GetInt32());
            double seconds = audio.GetProperty("seconds").GetDouble(), span = audio.GetProperty("spanSeconds").GetDouble();
            Assert.True(Math.Abs(seconds - span) < 0.02 * seconds + 0.02, $"audio: {seconds} s of samples over {span} s of log time");
            Assert.Equal(session.Id, check.GetProperty("metadata").GetProperty("edgerig.session").GetProperty("id").GetString());
            // the session's QA report rides along as an attachment, the same the rig stored
            var qa = await SessionsClient.GetQaReportAsync(new GetQaReportRequest { SessionId = session.Id });
            Assert.True(qa.Final);
            Assert.Equal(qa.Json, check.GetProperty("attachments").GetProperty("qa-report.json").GetProperty("text").GetString());

            var pulled = await new SessionPuller(SessionsClient).PullAsync(session.Id, dir, null, CancellationToken.None);
            string folderFile = Path.Combine(dir, "folder.mcap");
            var offline = await Cli(["export", "--from-folder", pulled.Folder, "--format", "mcap", "--out", folderFile, "--json", "--url", "http://127.0.0.1:1"]);
            Assert.True(offline.ExitCode == 0, offline.Stderr);
            Assert.Equal(File.ReadAllBytes(rigFile), File.ReadAllBytes(folderFile));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task ExportAndPull_Refused_LeaveNothingBehind_AndAnExistingFileNeedsOverwrite()
    {
        var session = await RecordAsync(TimeSpan.FromSeconds(1));
        string dir = Paths.TempDir("export-refused");
        try
        {
            // the rig refuses the request once the CLI is ready to write: no part file stays
            var refused = await Cli(["export", session.Id, "--out", Path.Combine(dir, "x.mcap"), "--streams", "nosuch"], Env);
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains("nosuch", refused.Stderr);
            Assert.Empty(Directory.EnumerateFileSystemEntries(dir));

            // --out a directory: refused before anything is written (it used to leave a whole export as DIR.part beside it)
            string folder = Directory.CreateDirectory(Path.Combine(dir, "folder")).FullName;
            var intoFolder = await Cli(["export", session.Id, "--out", folder], Env);
            Assert.Equal(1, intoFolder.ExitCode);
            Assert.Contains("is a directory", intoFolder.Stderr);
            Assert.Equal([folder], Directory.EnumerateFileSystemEntries(dir));
            Assert.Empty(Directory.EnumerateFileSystemEntries(folder));

            // an unrelated file at --out stays unless --overwrite
            string existing = Path.Combine(dir, "notes.txt");
            File.WriteAllText(existing, "keep me");
            var over = await Cli(["export", session.Id, "--out", existing], Env);
            Assert.Equal(1, over.ExitCode);
            Assert.Contains("give --overwrite", over.Stderr);
            Assert.Equal("keep me", File.ReadAllText(existing));
            var replaced = await Cli(["export", session.Id, "--out", existing, "--overwrite"], Env);
            Assert.True(replaced.ExitCode == 0, replaced.Stderr);
            Assert.NotEqual("keep me", File.ReadAllText(existing));
            Assert.DoesNotContain(Directory.EnumerateFiles(dir), f => f.EndsWith(".part", StringComparison.Ordinal));

            // pulling an unknown id leaves no empty OUT/ID (nor OUT, when the pull created it)
            string pullOut = Path.Combine(dir, "pulls");
            var unknown = await Cli(["pull", "20990101-000000-0000", "--out", pullOut], Env);
            Assert.Equal(1, unknown.ExitCode);
            Assert.False(Directory.Exists(pullOut), "the refused pull left its folder");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task ExportFromFolder_MissingChunk_ExitsNonZeroNamingItUnlessAllowPartial()
    {
        var session = await RecordAsync(TimeSpan.FromSeconds(1));
        string dir = Paths.TempDir("export-partial");
        try
        {
            var pulled = await new SessionPuller(SessionsClient).PullAsync(session.Id, dir, null, CancellationToken.None);
            var victim = new PulledSessionFolder(pulled.Folder).Manifest.Chunks.First(c => c.Stream == "imu0");
            File.Delete(Path.Combine(pulled.Folder, victim.File));
            string file = Path.Combine(dir, "partial.mcap");

            var strict = await Cli(["export", "--from-folder", pulled.Folder, "--out", file, "--json"]);
            Assert.Equal(5, strict.ExitCode);
            Assert.Contains($"imu0/{victim.Index} missing", strict.Stderr);
            using var summary = JsonDocument.Parse(strict.Stdout);
            Assert.False(summary.RootElement.GetProperty("complete").GetBoolean());
            Assert.Single(summary.RootElement.GetProperty("missingChunks").EnumerateArray());

            var check = await NodeCheckAsync(file);
            Assert.Equal(session.Counts["imu0"].Recorded - victim.Count, check.GetProperty("channels").GetProperty("/imu0").GetProperty("count").GetInt64());
            Assert.Equal("false", check.GetProperty("metadata").GetProperty("edgerig.export").GetProperty("complete").GetString());

            var allowed = await Cli(["export", "--from-folder", pulled.Folder, "--out", file, "--allow-partial", "--overwrite"]);
            Assert.True(allowed.ExitCode == 0, allowed.Stderr);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task ExportSession_FiltersAndBadRequests_StatusCodesNameTheProblem()
    {
        var session = await RecordAsync(TimeSpan.FromSeconds(1));
        var filtered = await ExportAsync(new ExportSessionRequest
        {
            SessionId = session.Id, Format = "mcap", Streams = { "imu0" }, FromNs = session.StartNs + 200_000_000, ToNs = session.StartNs + 600_000_000,
        });
        Assert.Equal(["/imu0", "/markers"], filtered.MessageCounts.Keys.Order());
        Assert.InRange(filtered.MessageCounts["/imu0"], 400 * 0.4 * 0.8, 400 * 0.4 * 1.2);

        async Task<RpcException> Refused(ExportSessionRequest request) => await Assert.ThrowsAsync<RpcException>(() => ExportAsync(request));
        var missing = await Refused(new ExportSessionRequest { SessionId = "20990101-000000-dead", Format = "mcap" });
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        var format = await Refused(new ExportSessionRequest { SessionId = session.Id, Format = "bag" });
        Assert.Equal(StatusCode.InvalidArgument, format.StatusCode);
        Assert.Contains("format", format.Status.Detail);
        var stream = await Refused(new ExportSessionRequest { SessionId = session.Id, Format = "mcap", Streams = { "cam9" } });
        Assert.Equal(StatusCode.InvalidArgument, stream.StatusCode);
        Assert.Contains("cam9", stream.Status.Detail);

        var recording = await RigClient.StartRecordingAsync(new StartRecordingRequest { Name = "busy" });
        try
        {
            var busy = await Refused(new ExportSessionRequest { SessionId = recording.Id, Format = "mcap" });
            Assert.Equal(StatusCode.FailedPrecondition, busy.StatusCode);
        }
        finally
        {
            await RigClient.StopRecordingAsync(new StopRecordingRequest());
        }
    }

    private async Task<ExportSummary> ExportAsync(ExportSessionRequest request)
    {
        using var call = SessionsClient.ExportSession(request);
        ExportSummary? summary = null;
        long bytes = 0;
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            Assert.InRange(call.ResponseStream.Current.Data.Length, 0, SessionsGrpcServicePieceSize);
            bytes += call.ResponseStream.Current.Data.Length;
            summary = call.ResponseStream.Current.Summary ?? summary;
        }
        Assert.NotNull(summary);
        Assert.Equal(summary.Bytes, bytes);
        return summary;
    }

    private const int SessionsGrpcServicePieceSize = EdgeRig.Service.Grpc.SessionsGrpcService.PieceSize;
}
