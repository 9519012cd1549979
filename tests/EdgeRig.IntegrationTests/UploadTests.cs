using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.S3.Model;
using EdgeRig.Api.V1;
using EdgeRig.Core;
using EdgeRig.Service;
using EdgeRig.Upload;
using EdgeRig.Upload.Tests;
using Grpc.Core;
using Grpc.Net.Client;

namespace EdgeRig.IntegrationTests;

/// <summary>
/// The rig's upload queue against a real Ceph radosgw (scripts/s3-local), checked with an independent client (Node
/// @aws-sdk/client-s3) and the @mcap/core checker: sessions go up by themselves, the manifest lands last, QA and consent gates
/// hold exactly what they should, kill -9 and an endpoint outage cost nothing but time.
/// </summary>
[Collection(LocalS3Collection.Name)]
public sealed class UploadTests(LocalS3Fixture s3)
{
    private static readonly TimeSpan UploadLimit = TimeSpan.FromMinutes(4);

    /// <summary>The quiet rig, lighter (one 640×480 camera), uploading to a fresh bucket of the fixture.</summary>
    private async Task<(Action<JsonObject> Edit, string Bucket)> UploadingRigAsync(Action<JsonObject>? more = null, Action<JsonObject>? upload = null)
    {
        var options = await s3.NewBucketAsync();
        return (rig =>
        {
            var devices = rig["devices"]!.AsArray();
            foreach (var d in devices.Where(d => (string?)d!["id"] == "cam1").ToList()) devices.Remove(d);
            var cam0 = devices.Single(d => (string?)d!["id"] == "cam0")!.AsObject();
            cam0["width"] = 640;
            cam0["height"] = 480;
            var section = new JsonObject
            {
                ["endpoint"] = s3.Endpoint.ToString().TrimEnd('/'),
                ["bucket"] = options.Bucket,
                ["prefix"] = "lab",
                ["credentialsFile"] = s3.CredentialsFile,
                ["formats"] = new JsonArray("session", "mcap"),
                ["retryMaxSeconds"] = 4,
            };
            upload?.Invoke(section);
            rig["upload"] = section;
            // these tests are about the upload, not the recording: the gates a busy CI machine trips (drops, rate, gaps,
            // stalls, sync bounds) are opened wide, so only the faults a test injects (a frozen camera) fail QA
            rig["qa"] = new JsonObject
            {
                ["dropFailRatio"] = 0.9, ["rateFailRatio"] = 0.1, ["rateWarnRatio"] = 0.5, ["gapFailSeconds"] = 60, ["stallFailSeconds"] = 60,
                ["syncFailMs"] = 5000,
            };
            more?.Invoke(rig);
        }, options.Bucket);
    }

    private static Task<UploadEntryInfo> WaitForStateAsync(Api.V1.Upload.UploadClient client, string session, string state, TimeSpan limit) =>
        WaitForAnyStateAsync(client, session, [state], limit);

    private static async Task<UploadEntryInfo> WaitForAnyStateAsync(Api.V1.Upload.UploadClient client, string session, string[] states, TimeSpan limit)
    {
        var until = DateTime.UtcNow + limit;
        UploadEntryInfo? last = null;
        while (DateTime.UtcNow < until)
        {
            var status = await client.GetUploadStatusAsync(new GetUploadStatusRequest());
            last = status.Sessions.SingleOrDefault(e => e.SessionId == session);
            if (last is not null && states.Contains(last.State)) return last;
            await Task.Delay(250);
        }
        throw new TimeoutException($"session {session} did not become {string.Join(" or ", states)} within {limit}: {last?.State} ({last?.Reason})");
    }

    private static async Task<string> RecordAsync(Api.V1.Rig.RigClient control, string name, TimeSpan length)
    {
        var session = await control.StartRecordingAsync(new StartRecordingRequest { Name = name });
        await Task.Delay(length);
        await control.StopRecordingAsync(new StopRecordingRequest());
        return session.Id;
    }

    /// <summary>The Node view of the session root, checked against its manifest: every listed object present with the listed
    /// size and SHA-256 (of the downloaded bytes), nothing else there, no unfinished multipart upload, the manifest newest.</summary>
    private async Task<NodeS3View> VerifyBucketAsync(string bucket, string root)
    {
        var view = await NodeS3View.ReadAsync(s3, bucket, root);
        Assert.Equal(JsonValueKind.Object, view.Manifest.ValueKind);
        var listed = view.Manifest.GetProperty("objects").EnumerateArray()
            .ToDictionary(o => root + o.GetProperty("path").GetString(), o => (Size: o.GetProperty("size").GetInt64(), Sha: o.GetProperty("sha256").GetString()));
        Assert.Equal(listed.Keys.Append(root + "manifest.json").Order(StringComparer.Ordinal), view.Objects.Select(o => o.Key).Order(StringComparer.Ordinal));
        var manifest = view.Get(root + "manifest.json");
        foreach (var o in view.Objects.Where(o => o.Key != manifest.Key))
        {
            Assert.Equal(listed[o.Key].Size, o.Size);
            Assert.Equal(listed[o.Key].Sha, o.Sha256);
            Assert.True(o.LastModified <= manifest.LastModified, $"{o.Key} is newer than the manifest");
        }
        Assert.Empty(view.PendingMultipart);
        return view;
    }

    [Fact]
    public async Task FinishedSession_UploadsByItself_ManifestLast_EveryHashMatches_McapPassesChecker()
    {
        var (edit, bucket) = await UploadingRigAsync();
        await using var rig = await EditedRig.StartAsync(edit);
        using var channel = Paths.AuthedChannel(rig.Url, rig.Dir);
        var control = new Api.V1.Rig.RigClient(channel);
        var uploads = new Api.V1.Upload.UploadClient(channel);
        string id = await RecordAsync(control, "upload me", TimeSpan.FromSeconds(10));

        var entry = await WaitForStateAsync(uploads, id, "uploaded", UploadLimit);
        string rigName = (await control.GetStatusAsync(new GetStatusRequest())).RigName;
        string root = $"lab/{rigName}/{id}/";
        Assert.Equal(root + "manifest.json", entry.ManifestKey);
        var view = await VerifyBucketAsync(bucket, root);
        var session = view.Manifest.GetProperty("pulledSession");
        Assert.Equal(id, session.GetProperty("session").GetProperty("id").GetString());
        Assert.Contains(view.Objects, o => o.Key.StartsWith(root + "chunks/cam0/", StringComparison.Ordinal));
        Assert.Contains(view.Objects, o => o.Key == root + "qa-report.json");
        Assert.Equal(rigName, view.Get(root + id + ".mcap").Metadata["rig"]);

        // the MCAP, fetched with the bucket's own client, passes the independent reader
        string mcap = Path.Combine(rig.Dir, "downloaded.mcap");
        using (var target = new S3UploadTarget(new UploadOptions { Endpoint = s3.Endpoint, Bucket = bucket, Rig = rigName }, s3.Credentials))
        using (var got = await target.Client.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = root + id + ".mcap" }))
            await got.WriteResponseStreamToFileAsync(mcap, append: false, CancellationToken.None);
        var check = await ProcessRunner.RunAsync("node", [Path.Combine(Paths.RepoRoot, "tests", "node", "check-mcap.mjs"), mcap], TimeSpan.FromSeconds(120));
        Assert.True(check.ExitCode == 0, check.Stderr + check.Stdout);

        // a verified upload counts as a verified pull (retention's keep-until-pulled); the audit trail has it
        var info = await new Sessions.SessionsClient(channel).GetSessionAsync(new GetSessionRequest { SessionId = id });
        Assert.True(info.PulledAtMs > 0);
        var audit = await new Admin.AdminClient(channel).ListAuditAsync(new ListAuditRequest { SessionId = id });
        Assert.Contains(audit.Entries, a => a.Action == "upload" && a.Succeeded);
        var status = await control.GetStatusAsync(new GetStatusRequest());
        Assert.True(status.Upload.Configured);
        Assert.Equal(0, status.Upload.BacklogBytes);

        // the CLI: status as JSON, pause and resume (audited)
        var env = Paths.CliEnv(rig.Url, rig.Dir);
        var cli = await ProcessRunner.RunAsync("dotnet", [Paths.CliDll, "upload", "status", "--json"], TimeSpan.FromSeconds(60), env);
        Assert.True(cli.ExitCode == 0, cli.Stderr);
        using (var doc = JsonDocument.Parse(cli.Stdout))
        {
            var listed = doc.RootElement.GetProperty("sessions").EnumerateArray().Single(e => e.GetProperty("sessionId").GetString() == id);
            Assert.Equal("uploaded", listed.GetProperty("state").GetString());
            Assert.Contains(bucket, doc.RootElement.GetProperty("destination").GetString());
        }
        var paused = await ProcessRunner.RunAsync("dotnet", [Paths.CliDll, "upload", "pause"], TimeSpan.FromSeconds(60), env);
        Assert.True(paused.ExitCode == 0, paused.Stderr);
        Assert.Contains("paused", paused.Stdout);
        Assert.True((await uploads.GetUploadStatusAsync(new GetUploadStatusRequest())).Paused);
        var resumed = await ProcessRunner.RunAsync("dotnet", [Paths.CliDll, "upload", "resume"], TimeSpan.FromSeconds(60), env);
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.False((await uploads.GetUploadStatusAsync(new GetUploadStatusRequest())).Paused);
        var trail = await new Admin.AdminClient(channel).ListAuditAsync(new ListAuditRequest { Limit = 200 });
        Assert.Contains(trail.Entries, a => a.Action == "upload.pause" && a.Succeeded);
        Assert.Contains(trail.Entries, a => a.Action == "upload.resume" && a.Succeeded);
    }

    [Fact]
    public async Task FailedQa_IsHeld_LabCannotRelease_AdminCan_ConsentWithheldAudioNeverReachesTheBucket()
    {
        var (edit, bucket) = await UploadingRigAsync(rig =>
        {
            var devices = rig["devices"]!.AsArray();
            // frozen from the first second on, however long the service took to start: the session fails QA
            devices.Single(d => (string?)d!["id"] == "cam0")!["faults"] = new JsonArray(new JsonObject { ["kind"] = "freeze", ["atSeconds"] = 1, ["durationSeconds"] = 86400 });
            rig["privacy"] = new JsonObject { ["consentRequiredFor"] = new JsonArray("audio") };
        });
        await using var rig = await EditedRig.StartAsync(edit);
        using var channel = Paths.AuthedChannel(rig.Url, rig.Dir);
        var control = new Api.V1.Rig.RigClient(channel);
        var uploads = new Api.V1.Upload.UploadClient(channel);
        string id = await RecordAsync(control, "held", TimeSpan.FromSeconds(6));

        var held = await WaitForStateAsync(uploads, id, "held", UploadLimit);
        Assert.Contains("failed QA", held.Reason);
        string rigName = (await control.GetStatusAsync(new GetStatusRequest())).RigName;
        var nothing = await NodeS3View.ReadAsync(s3, bucket, $"lab/{rigName}/{id}/");
        Assert.Empty(nothing.Objects);

        var admin = new Admin.AdminClient(channel);
        var lab = await admin.CreateTokenAsync(new CreateTokenRequest { Name = "lab-1", Role = "lab" });
        using var labChannel = GrpcChannel.ForAddress(rig.Url, new GrpcChannelOptions
        {
            Credentials = ChannelCredentials.Create(ChannelCredentials.Insecure, CallCredentials.FromInterceptor((_, m) =>
            {
                m.Add("authorization", "Bearer " + lab.Secret);
                return Task.CompletedTask;
            })),
            UnsafeUseInsecureChannelCallCredentials = true,
        });
        var denied = await Assert.ThrowsAsync<RpcException>(async () =>
            await new Api.V1.Upload.UploadClient(labChannel).ReleaseUploadAsync(new UploadSessionRequest { SessionId = id }));
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Equal("held", (await uploads.GetUploadStatusAsync(new GetUploadStatusRequest())).Sessions.Single(e => e.SessionId == id).State);

        var released = await uploads.ReleaseUploadAsync(new UploadSessionRequest { SessionId = id });
        Assert.Equal("queued", released.State);
        var done = await WaitForStateAsync(uploads, id, "uploaded", UploadLimit);
        Assert.Contains("mic0", done.Withheld.Keys);
        var view = await VerifyBucketAsync(bucket, $"lab/{rigName}/{id}/");
        Assert.DoesNotContain(view.Objects, o => o.Key.Contains("/chunks/mic0/", StringComparison.Ordinal));
        Assert.DoesNotContain(view.Manifest.GetProperty("pulledSession").GetProperty("streams").EnumerateArray(), s => s.GetProperty("id").GetString() == "mic0");
        Assert.Contains(view.Objects, o => o.Key.Contains("/chunks/cam0/", StringComparison.Ordinal));
        var audit = await admin.ListAuditAsync(new ListAuditRequest { SessionId = id });
        Assert.Contains(audit.Entries, a => a.Action == "upload.release" && a.Succeeded && a.Who == "admin");
        Assert.DoesNotContain(audit.Entries, a => a.Action == "upload.release" && a.Who == "lab-1"); // refused before it ran
        Assert.Contains(audit.Entries, a => a.Action == "upload.hold" && a.Detail == "failed QA");
    }

    [Fact]
    public async Task BrokenUploadSection_RefusesToStart_NamingTheFieldAndFile()
    {
        string dir = Paths.TempDir("upload-refusal");
        try
        {
            string open = Path.Combine(dir, "open-credentials");
            File.Copy(s3.CredentialsFile, open);
            File.SetUnixFileMode(open, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            string Refusal(Action<JsonObject> upload)
            {
                var rigFile = Path.Combine(dir, "rig.json");
                var json = JsonNode.Parse(File.ReadAllText(Paths.Rig("sim-default.json")), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!.AsObject();
                var section = new JsonObject { ["endpoint"] = "http://127.0.0.1:9", ["bucket"] = "edgerig", ["credentialsFile"] = s3.CredentialsFile };
                upload(section);
                json["upload"] = section;
                File.WriteAllText(rigFile, json.ToJsonString());
                var e = Assert.Throws<RigProfileException>(() => EdgeRigHost.Build(["--urls", "http://127.0.0.1:0", "--data-dir", Path.Combine(dir, "data"), "--rig", rigFile]));
                return e.Message;
            }
            Assert.Contains($"upload.credentialsFile: {open} has mode 0644", Refusal(u => u["credentialsFile"] = open));
            Assert.Contains("upload.endpoint: plain http is allowed only on loopback", Refusal(u => u["endpoint"] = "http://s3.example:80"));
            Assert.Contains("upload.bucket", Refusal(u => u["bucket"] = "Not_A_Bucket"));
            Assert.Contains("upload.formats: 'zip' is not one of session, mcap, dataset", Refusal(u => u["formats"] = new JsonArray("session", "zip")));
            Assert.Contains("upload.maxMiBps", Refusal(u => u["maxMiBps"] = -1));
            Assert.Contains("upload.caFile", Refusal(u => u["caFile"] = Path.Combine(dir, "missing-ca.pem")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
    [Fact]
    public async Task KilledMidUpload_FiveTimes_EndsUploaded_NothingDuplicated_RigCopyDeletedOnlyAfterVerification()
    {
        var (edit, bucket) = await UploadingRigAsync(upload: u =>
        {
            u["maxMiBps"] = 0.4; // slow enough that every kill lands mid-upload
            u["deleteAfterUpload"] = true;
        });
        string dir = Paths.TempDir("upload-kill");
        string rigFile = Paths.QuietButtonRig(dir);
        var json = JsonNode.Parse(File.ReadAllText(rigFile), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!.AsObject();
        edit(json);
        File.WriteAllText(rigFile, json.ToJsonString());
        var random = new Random(20261206);
        string id = "", rigName = "";
        int midUpload = 0;
        try
        {
            for (int round = 0; round <= 5; round++)
            {
                string url = $"http://127.0.0.1:{ProcessTests.FreePort()}";
                using var service = ProcessRunner.Start("dotnet", [Paths.ServiceDll, "--rig", rigFile, "--data-dir", dir, "--urls", url, "--dashboard-urls", "none"]);
                try
                {
                    using var channel = Paths.AuthedChannel(url, dir);
                    var control = new Api.V1.Rig.RigClient(channel);
                    var uploads = new Api.V1.Upload.UploadClient(channel);
                    await ProcessTests.WaitUntilServing(control);
                    if (round == 0)
                    {
                        id = await RecordAsync(control, "killed while uploading", TimeSpan.FromSeconds(6));
                        rigName = (await control.GetStatusAsync(new GetStatusRequest())).RigName;
                    }
                    if (round == 5)
                    {
                        var done = await WaitForStateAsync(uploads, id, "uploaded", UploadLimit);
                        Assert.True(done.RigCopyDeleted, done.Reason);
                        var gone = await Assert.ThrowsAsync<RpcException>(async () => await new Sessions.SessionsClient(channel).GetSessionAsync(new GetSessionRequest { SessionId = id }));
                        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
                        var audit = await new Admin.AdminClient(channel).ListAuditAsync(new ListAuditRequest { SessionId = id });
                        Assert.Contains(audit.Entries, a => a.Action == "upload.delete" && a.Succeeded);
                        break;
                    }
                    if ((await WaitForAnyStateAsync(uploads, id, ["uploading", "held", "uploaded"], UploadLimit)).State == "held")
                        await uploads.ReleaseUploadAsync(new UploadSessionRequest { SessionId = id }); // QA spoilt by a starved machine
                    await WaitForAnyStateAsync(uploads, id, ["uploading", "uploaded"], UploadLimit);
                    await Task.Delay(TimeSpan.FromMilliseconds(500 + random.Next(3000)));
                    var before = (await uploads.GetUploadStatusAsync(new GetUploadStatusRequest())).Sessions.Single(e => e.SessionId == id);
                    // the rig's copy is there while the upload is unfinished
                    await new Sessions.SessionsClient(channel).GetSessionAsync(new GetSessionRequest { SessionId = id });
                    service.Kill(); // SIGKILL mid-upload
                    if (before.State == "uploading" && before.BytesDone < before.BytesTotal) midUpload++;
                }
                finally
                {
                    if (!service.HasExited) service.Kill();
                    await service.WaitForExitAsync();
                }
            }
            Assert.True(midUpload >= 3, $"only {midUpload} of 5 kills landed mid-upload");
            await VerifyBucketAsync(bucket, $"lab/{rigName}/{id}/");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
            File.Delete(rigFile);
        }
    }

    [Fact]
    public async Task GatewayDownForAMinuteMidUpload_QueueBacksOff_ResumesAndCompletes()
    {
        var (edit, bucket) = await UploadingRigAsync(upload: u => u["maxMiBps"] = 0.5);
        await using var rig = await EditedRig.StartAsync(edit);
        using var channel = Paths.AuthedChannel(rig.Url, rig.Dir);
        var control = new Api.V1.Rig.RigClient(channel);
        var uploads = new Api.V1.Upload.UploadClient(channel);
        string id = await RecordAsync(control, "outage", TimeSpan.FromSeconds(6));
        if ((await WaitForAnyStateAsync(uploads, id, ["uploading", "held"], UploadLimit)).State == "held")
            await uploads.ReleaseUploadAsync(new UploadSessionRequest { SessionId = id }); // QA spoilt by a starved machine
        await WaitForStateAsync(uploads, id, "uploading", UploadLimit);
        await s3.StopGatewayAsync();
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(60));
            var during = (await uploads.GetUploadStatusAsync(new GetUploadStatusRequest())).Sessions.Single(e => e.SessionId == id);
            Assert.Equal("uploading", during.State); // still trying: a network failure never fails the session
            Assert.Contains("retrying in", during.Reason);
        }
        finally
        {
            await s3.StartGatewayAsync();
        }
        var done = await WaitForStateAsync(uploads, id, "uploaded", UploadLimit);
        Assert.Equal(1, done.Attempts); // the back-off ran inside one attempt: nothing started over
        string rigName = (await control.GetStatusAsync(new GetStatusRequest())).RigName;
        await VerifyBucketAsync(bucket, $"lab/{rigName}/{id}/");
    }
    [Fact]
    public async Task FourRigs_RecordAndUploadToOneGatewayAtOnce_NoDropsOnAnyRig()
    {
        var (edit, bucket) = await UploadingRigAsync();
        var rigs = new List<(string Dir, string RigFile, string Url, System.Diagnostics.Process Service)>();
        try
        {
            for (int i = 1; i <= 4; i++)
            {
                string dir = Paths.TempDir($"upload-fleet{i}");
                string rigFile = Paths.QuietButtonRig(dir);
                var json = JsonNode.Parse(File.ReadAllText(rigFile), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!.AsObject();
                edit(json);
                json["name"] = $"rig-{i}";
                File.WriteAllText(rigFile, json.ToJsonString());
                string url = $"http://127.0.0.1:{ProcessTests.FreePort()}";
                rigs.Add((dir, rigFile, url, ProcessRunner.Start("dotnet", [Paths.ServiceDll, "--rig", rigFile, "--data-dir", dir, "--urls", url, "--dashboard-urls", "none"])));
            }
            var channels = rigs.Select(r => Paths.AuthedChannel(r.Url, r.Dir)).ToList();
            try
            {
                await Task.WhenAll(channels.Select(c => ProcessTests.WaitUntilServing(new Api.V1.Rig.RigClient(c))));
                // two sessions each: the second records while the first uploads
                var first = await Task.WhenAll(channels.Select(c => RecordAsync(new Api.V1.Rig.RigClient(c), "fleet 1", TimeSpan.FromSeconds(5))));
                var second = await Task.WhenAll(channels.Select(c => RecordAsync(new Api.V1.Rig.RigClient(c), "fleet 2", TimeSpan.FromSeconds(5))));
                for (int i = 0; i < 4; i++)
                {
                    var uploads = new Api.V1.Upload.UploadClient(channels[i]);
                    var sessions = new Sessions.SessionsClient(channels[i]);
                    foreach (string id in new[] { first[i], second[i] })
                    {
                        // what is measured here is drops and delivery; a QA verdict spoilt by a starved machine is released
                        if ((await WaitForAnyStateAsync(uploads, id, ["uploaded", "held"], UploadLimit)).State == "held")
                            await uploads.ReleaseUploadAsync(new UploadSessionRequest { SessionId = id });
                        await WaitForStateAsync(uploads, id, "uploaded", UploadLimit);
                        var info = await sessions.GetSessionAsync(new GetSessionRequest { SessionId = id });
                        Assert.All(info.Counts, kv => Assert.True(kv.Value.Dropped == 0, $"rig-{i + 1} {id} {kv.Key}: {kv.Value.Dropped} dropped"));
                        await VerifyBucketAsync(bucket, $"lab/rig-{i + 1}/{id}/");
                    }
                }
            }
            finally
            {
                foreach (var c in channels) c.Dispose();
            }
        }
        finally
        {
            foreach (var r in rigs)
            {
                if (!r.Service.HasExited) r.Service.Kill();
                await r.Service.WaitForExitAsync();
                r.Service.Dispose();
                Directory.Delete(r.Dir, recursive: true);
                File.Delete(r.RigFile);
            }
        }
    }
    [Fact]
    public async Task DiskFullWhileStagingTheExport_SessionFailsNamingIt_ServiceStaysUp_RetryUploadsItOnceSpaceReturns()
    {
        var (edit, bucket) = await UploadingRigAsync(rig => rig["recording"]!["freeSpaceReserveMiB"] = 1);
        string mount = Paths.TempDir("upload-tmpfs");
        var mounted = await ProcessRunner.RunAsync("mount", ["-t", "tmpfs", "-o", "size=64m", "tmpfs", mount], TimeSpan.FromSeconds(20));
        Assert.True(mounted.ExitCode == 0, $"mount tmpfs (needs root): {mounted.Stderr}");
        string rigDir = Paths.TempDir("upload-diskfull");
        string rigFile = Paths.QuietButtonRig(rigDir);
        try
        {
            var json = JsonNode.Parse(File.ReadAllText(rigFile), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!.AsObject();
            edit(json);
            File.WriteAllText(rigFile, json.ToJsonString());
            string data = Path.Combine(mount, "data");
            var app = EdgeRigHost.Build(["--urls", "http://127.0.0.1:0", "--data-dir", data, "--rig", rigFile, "--Logging:LogLevel:Default=Warning"]);
            await app.StartAsync();
            try
            {
                using var channel = Paths.AuthedChannel(app.Urls.Single(), data);
                var control = new Api.V1.Rig.RigClient(channel);
                var uploads = new Api.V1.Upload.UploadClient(channel);
                await uploads.PauseUploadsAsync(new PauseUploadsRequest());
                string id = await RecordAsync(control, "disk full", TimeSpan.FromSeconds(4));
                // another program fills the disk; the MCAP export staged for the upload cannot be written
                string filler = Path.Combine(mount, "filler");
                await using (var f = new FileStream(filler, FileMode.Create))
                {
                    var block = new byte[1 << 20];
                    try { while (true) f.Write(block); }
                    catch (IOException) { }
                }
                await uploads.ResumeUploadsAsync(new ResumeUploadsRequest());
                var failed = await WaitForAnyStateAsync(uploads, id, ["failed", "held"], UploadLimit);
                if (failed.State == "held")
                {
                    await uploads.ReleaseUploadAsync(new UploadSessionRequest { SessionId = id }); // QA spoilt by a starved machine
                    failed = await WaitForStateAsync(uploads, id, "failed", UploadLimit);
                }
                Assert.Contains("disk is full", failed.Reason);
                Assert.True(failed.NextAttemptAtMs > 0, "a failed upload is tried again by itself later");
                string staging = Path.Combine(data, "uploads");
                Assert.False(Directory.Exists(staging) && Directory.EnumerateFiles(staging, "*.part", SearchOption.AllDirectories).Any(), "a half-written export was left behind");
                await control.GetStatusAsync(new GetStatusRequest()); // the service answers

                File.Delete(filler);
                await uploads.RetryUploadAsync(new UploadSessionRequest { SessionId = id });
                await WaitForStateAsync(uploads, id, "uploaded", UploadLimit);
                string rigName = (await control.GetStatusAsync(new GetStatusRequest())).RigName;
                await VerifyBucketAsync(bucket, $"lab/{rigName}/{id}/");
                Assert.False(Directory.Exists(Path.Combine(data, "uploads", id)), "the staged export stays after the upload");
            }
            finally
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }
        finally
        {
            // a LiteDB engine that failed on the full disk may keep its file open until finalised: detach lazily then
            if ((await ProcessRunner.RunAsync("umount", [mount], TimeSpan.FromSeconds(20))).ExitCode != 0)
                await ProcessRunner.RunAsync("umount", ["-l", mount], TimeSpan.FromSeconds(20));
            Directory.Delete(mount, recursive: true);
            Directory.Delete(rigDir, recursive: true);
            File.Delete(rigFile);
        }
    }
}
