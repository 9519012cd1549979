using EdgeRig.Api.V1;
using EdgeRig.Core;
using EdgeRig.Formats;
using EdgeRig.Privacy;
using EdgeRig.Service.Grpc;
using EdgeRig.Service.Privacy;
using EdgeRig.Service.Security;
using EdgeRig.Storage;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;

namespace EdgeRig.Service.Tests;

/// <summary>What leaves the rig: consent, raw access, redaction on the way out, QA gates, withdrawal.</summary>
public sealed class PrivacyEgressTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "edgerig-egress-" + Guid.NewGuid().ToString("N"));
    private readonly LiteDbSessionStore _store;
    private readonly ReviewedConsentStore _consents;
    private static readonly StreamDescriptor Cam = new(new StreamId("cam0"), Modality.Camera, Encodings.Jpeg, 30, "", "cam0", "cam0");
    private static readonly StreamDescriptor Mic = new(new StreamId("mic0"), Modality.Audio, Encodings.PcmS16Le, 100, "", "mic0", "mic0");
    private static readonly StreamDescriptor Imu = new(new StreamId("imu0"), Modality.Imu, Encodings.Imu6, 400, "", "imu0", "imu0");
    private static readonly DateTimeOffset Start = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);
    private static readonly byte[] FaceJpeg = File.ReadAllBytes(TestData("messi5.jpg"));

    public PrivacyEgressTests()
    {
        _store = new LiteDbSessionStore(_dir, new SessionStoreOptions { FreeSpaceReserveBytes = 0 });
        _consents = new ReviewedConsentStore(new LiteDbConsentStore(_store), _store.CatalogueCollection(ReviewedConsentStore.Collection));
        var session = new Session("s1", "n", "o", new Dictionary<string, string>(), RigTime.FromDateTimeOffset(Start), null, SessionState.Recording, "rig");
        _store.CreateSession(session, [Cam, Mic, Imu]);
        var t = RigTime.FromDateTimeOffset(Start);
        Sample S(StreamDescriptor d, int k, byte[] payload) => new(d.Id, k, new SensorTime(k), new HostTime(k), new RigTimestamp(t + Duration.FromMilliseconds(k), new Duration(1)), payload);
        _store.WriteChunks("s1", [
            new ChunkBatch(Cam, [S(Cam, 0, FaceJpeg), S(Cam, 1, FaceJpeg)]),
            new ChunkBatch(Mic, [S(Mic, 0, new byte[1920])]),
            new ChunkBatch(Imu, [S(Imu, 0, new byte[24])]),
        ]);
        _store.CloseSession("s1", t + Duration.FromSeconds(1), SessionState.Complete, "done");
    }

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    internal static string TestData(string name, [System.Runtime.CompilerServices.CallerFilePath] string here = "")
    {
        string dir = Path.GetDirectoryName(here)!;
        while (!File.Exists(Path.Combine(dir, "EdgeRig.sln"))) dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("run inside the EdgeRig tree");
        return Path.Combine(dir, "..", "shared", "testdata", name);
    }

    private static RigProfile Rig(RedactionPolicy policy, params string[] consentFor) => new()
    {
        Name = "rig",
        Privacy = new PrivacyProfile { Redaction = policy, ConsentRequiredFor = consentFor, RawAccessRoles = ["admin"] },
    };

    private EgressPolicy Policy(RigProfile rig) => new(rig, _consents, TimeProvider.System, new CascadeFrameRedactor(new FaceRedactor(new RedactionOptions())));

    /// <summary>A consent for s1, confirmed by lab.</summary>
    private ConsentRecord Consent(params string[] scopes) => _consents.Confirm(PendingConsent(scopes).Id, Start, "lab");

    /// <summary>A consent for s1 as a technician records it: pending.</summary>
    private ConsentRecord PendingConsent(params string[] scopes) =>
        _consents.Add(new ConsentRecord("", "S-1", scopes, "training", Start.AddDays(-1), null, "form-1", ["s1"], Start, "tech"));

    private PrivacyGrpcService PrivacyService(LiteDbAuditLog audit) =>
        new(_consents, _store, audit, Rig(RedactionPolicy.Export, "video", "audio"), TimeProvider.System, NullLogger<PrivacyGrpcService>.Instance);

    [Fact]
    public void Policy_PendingConsent_ReleasesNothing_UntilLabOrAdminConfirms()
    {
        var policy = Policy(Rig(RedactionPolicy.Export, "video", "audio"));
        var c = PendingConsent("video", "audio");
        var d = policy.For(_store.GetSession("s1"), Role.Admin);
        Assert.Equal(["mic0"], d.Withheld.Keys);
        Assert.Contains($"consent '{c.Id}' for audio of session 's1' is pending", d.Withheld["mic0"]);
        Assert.Contains($"edgerig consent confirm {c.Id}", d.Withheld["mic0"]);
        Assert.Equal(["cam0"], d.Redact);
        Assert.Contains("pending", d.RawRefusal);

        _consents.Confirm(c.Id, DateTimeOffset.UtcNow, "lab");
        d = policy.For(_store.GetSession("s1"), Role.Admin);
        Assert.Empty(d.Withheld);
        Assert.Empty(d.Redact);
    }

    [Fact]
    public void Policy_SessionAttachedAfterConfirmation_PendingUntilConfirmedAgain()
    {
        var policy = Policy(Rig(RedactionPolicy.Export, "audio"));
        var t = RigTime.FromDateTimeOffset(Start);
        _store.CreateSession(new Session("s2", "n", "o", new Dictionary<string, string>(), t, null, SessionState.Recording, "rig"), [Mic]);
        _store.CloseSession("s2", t + Duration.FromSeconds(1), SessionState.Complete, "done");
        var c = Consent("audio");
        _consents.Attach(c.Id, "s2"); // a technician may attach: it must not release s2 on the strength of s1's confirmation
        Assert.Empty(policy.For(_store.GetSession("s1"), Role.Data).Withheld);
        Assert.Contains("pending", policy.For(_store.GetSession("s2"), Role.Data).Withheld["mic0"]);
        Assert.Equal(["s2"], _consents.Get(c.Id).PendingSessions);

        _consents.Confirm(c.Id, DateTimeOffset.UtcNow, "admin");
        Assert.Empty(policy.For(_store.GetSession("s2"), Role.Data).Withheld);
        Assert.Empty(_consents.Get(c.Id).PendingSessions);
    }

    [Fact]
    public async Task Confirm_AuditsEverySession_AndListShowsWhoConfirmed()
    {
        var c = PendingConsent("audio");
        var audit = new LiteDbAuditLog(_store);
        var reply = await PrivacyService(audit).ConfirmConsent(new ConfirmConsentRequest { Id = c.Id }, As(Role.Lab, "/edgerig.v1.Privacy/ConfirmConsent"));
        Assert.Equal("t", reply.ConfirmedBy);
        Assert.True(reply.ConfirmedMs > 0);
        Assert.Equal(["s1"], reply.ConfirmedSessions);
        var entry = Assert.Single(audit.Read("s1", 10), a => a.Action == "consent.confirm");
        Assert.Equal("t", entry.Who);
        Assert.Contains($"consent {c.Id} subject S-1", entry.Detail);
        var listed = await PrivacyService(audit).ListConsents(new ListConsentsRequest { SessionId = "s1" }, As(Role.Technician, "/l"));
        Assert.Equal("t", Assert.Single(listed.Consents).ConfirmedBy);
    }

    [Fact]
    public async Task Confirm_WithdrawnOrUnknown_Refused()
    {
        var c = Consent("audio");
        _consents.Withdraw(c.Id, DateTimeOffset.UtcNow, "admin");
        var service = PrivacyService(new LiteDbAuditLog(_store));
        var e = await Assert.ThrowsAsync<InvalidRigStateException>(() => service.ConfirmConsent(new ConfirmConsentRequest { Id = c.Id }, As(Role.Admin, "/c")));
        Assert.Contains("withdrawn", e.Message);
        await Assert.ThrowsAsync<NotFoundException>(() => service.ConfirmConsent(new ConfirmConsentRequest { Id = "c-00000000" }, As(Role.Admin, "/c")));
    }

    [Theory]
    [InlineData(Role.Technician, true, false)]
    [InlineData(Role.Data, false, false)]
    [InlineData(Role.Lab, true, true)]
    [InlineData(Role.Admin, true, true)]
    public void RolePolicy_TechniciansRecordConsent_OnlyLabAndAdminConfirm(Role role, bool mayRecord, bool mayConfirm)
    {
        Assert.Equal(mayRecord, RolePolicy.RolesFor("/edgerig.v1.Privacy/AddConsent").Contains(role));
        Assert.Equal(mayRecord, RolePolicy.RolesFor("/edgerig.v1.Privacy/AttachConsent").Contains(role));
        Assert.Equal(mayConfirm, RolePolicy.RolesFor("/edgerig.v1.Privacy/ConfirmConsent").Contains(role));
        Assert.Equal("consent.confirm", RolePolicy.AuditActionFor("/edgerig.v1.Privacy/ConfirmConsent"));
    }

    private static TestServerCallContext As(Role role, string method)
    {
        var ctx = new TestServerCallContext(method);
        ctx.UserState[AuthInterceptor.CallerKey] = new Caller("t", role);
        return ctx;
    }

    [Fact]
    public void Policy_WithoutConsent_WithholdsAudioAndRedactsCameraForEveryone()
    {
        var policy = Policy(Rig(RedactionPolicy.Export, "video", "audio"));
        foreach (var role in new[] { Role.Data, Role.Admin })
        {
            var d = policy.For(_store.GetSession("s1"), role);
            Assert.Equal(["mic0"], d.Withheld.Keys);
            Assert.Contains("audio consent", d.Withheld["mic0"]);
            Assert.Equal(["cam0"], d.Redact);
        }
    }

    [Fact]
    public void Policy_WithConsent_RawOnlyForRawRoles_UntilWithdrawn()
    {
        var policy = Policy(Rig(RedactionPolicy.Export, "video", "audio"));
        var c = Consent("video", "audio");
        Assert.Empty(policy.For(_store.GetSession("s1"), Role.Admin).Redact);
        Assert.Empty(policy.For(_store.GetSession("s1"), Role.Admin).Withheld);
        Assert.Equal(["cam0"], policy.For(_store.GetSession("s1"), Role.Data).Redact);
        _consents.Withdraw(c.Id, DateTimeOffset.UtcNow, "admin");
        Assert.Equal(["cam0"], policy.For(_store.GetSession("s1"), Role.Admin).Redact);
        Assert.Equal(["mic0"], policy.For(_store.GetSession("s1"), Role.Admin).Withheld.Keys);
    }

    [Fact]
    public void Policy_OffWithoutConsentRules_SendsEverythingRaw_AndCaptureRedactedSessionsLeaveAsStored()
    {
        Assert.Empty(Policy(Rig(RedactionPolicy.Off)).For(_store.GetSession("s1"), Role.Technician).Redact);
        _store.SetRedactionReport("s1", "{\"policy\":\"capture\"}");
        var d = Policy(Rig(RedactionPolicy.Capture, "video")).For(_store.GetSession("s1"), Role.Data);
        Assert.Empty(d.Redact);
        Assert.Empty(d.Withheld);
    }

    [Fact]
    public void ExportSource_BlursTheFace_AndLeavesOutWithheldStreams()
    {
        var policy = Policy(Rig(RedactionPolicy.Export, "audio"));
        var record = _store.GetSession("s1");
        var source = new EgressSessionSource(new SessionStoreSource(_store, "s1"), policy.For(record, Role.Data), policy.Redactor);
        Assert.DoesNotContain(source.Record.Streams, s => s.Id.Value == "mic0");
        Assert.DoesNotContain(source.Chunks, c => c.Stream.Value == "mic0");
        var cam = source.Chunks.Single(c => c.Stream.Value == "cam0");
        Assert.True(source.TryReadChunk(cam, out var samples, out _));
        Assert.Equal(2, source.FramesRedacted);
        using var detector = new FaceRedactor(new RedactionOptions());
        using var original = Cv2.ImDecode(FaceJpeg, ImreadModes.Color);
        Assert.NotEmpty(detector.Detect(original));
        foreach (var s in samples)
        {
            Assert.False(s.Payload.Span.SequenceEqual(FaceJpeg));
            using var frame = Cv2.ImDecode(s.Payload.ToArray(), ImreadModes.Color);
            Assert.Empty(detector.Detect(frame));
        }
    }

    [Fact]
    public async Task Pull_WithholdsStreams_AndConfirmHashCoversWhatWasSent()
    {
        var service = new SessionsGrpcService(_store, Policy(Rig(RedactionPolicy.Export, "video", "audio")), TimeProvider.System);
        var sink = new Collector();
        await service.PullSession(new PullSessionRequest { SessionId = "s1" }, sink, As(Role.Data, "/edgerig.v1.Sessions/PullSession"));
        var header = sink.Messages[0].Header;
        Assert.Equal(["cam0", "mic0"], header.Withheld.Keys.Order());
        Assert.Equal(1, header.TotalChunks);
        var pieces = sink.Messages.Skip(1).Select(m => m.Chunk).ToList();
        Assert.All(pieces, Assert.NotNull);                                          // chunk pieces only, none damaged
        var firstPieces = pieces.Where(p => p.Offset == 0).ToList();                 // each chunk's first piece carries its meta
        Assert.Equal(["imu0"], firstPieces.Select(p => Assert.IsType<ChunkMeta>(p.Meta).Stream));
        Assert.Equal([0], firstPieces.Select(p => p.Ordinal));
        var confirmed = await service.ConfirmPull(new ConfirmPullRequest { SessionId = "s1", SessionSha256 = header.SessionSha256 }, As(Role.Data, "/edgerig.v1.Sessions/ConfirmPull"));
        Assert.True(confirmed.PulledAtMs > 0);
    }

    [Fact]
    public async Task FailedQa_NeedsForce_ByDataOrAdmin()
    {
        _store.SetQaReport("s1", QaVerdict.Fail, "");
        var service = new SessionsGrpcService(_store, Policy(Rig(RedactionPolicy.Off)), TimeProvider.System);
        var pull = new PullSessionRequest { SessionId = "s1" };
        var e = await Assert.ThrowsAsync<InvalidRigStateException>(() => service.PullSession(pull, new Collector(), As(Role.Data, "/p")));
        Assert.Contains("failed QA", e.Message);
        Assert.Contains("--force", e.Message);
        pull.Force = true;
        var denied = await Assert.ThrowsAsync<RpcException>(() => service.PullSession(pull, new Collector(), As(Role.Lab, "/p")));
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        var sink = new Collector();
        await service.PullSession(pull, sink, As(Role.Data, "/p"));
        Assert.Equal(3, sink.Messages[0].Header.TotalChunks);
    }

    [Fact]
    public async Task Withdraw_PurgesCameraAndAudio_AndAudits()
    {
        var c = Consent("video", "audio");
        var audit = new LiteDbAuditLog(_store);
        var reply = await PrivacyService(audit).WithdrawConsent(new WithdrawConsentRequest { Id = c.Id }, As(Role.Admin, "/w"));
        Assert.Equal(["cam0", "mic0"], reply.Purged.Select(p => p.Stream).Order());
        Assert.All(reply.Purged, p => Assert.True(p.ErasedBytes > 0));
        Assert.Equal(["imu0"], _store.ListChunks("s1").Select(x => x.Stream.Value));
        var entry = Assert.Single(audit.Read("s1", 10), a => a.Action == "consent.withdraw");
        Assert.Contains("purged cam0", entry.Detail);
        Assert.NotNull(_consents.Get(c.Id).Withdrawn);
    }

    [Fact]
    public async Task RedactingSink_BlursFacesBeforeAnythingDownstream_AndCountsThem()
    {
        var inner = new ListSink();
        var report = new CaptureRedactionReport(new CascadeFrameRedactor(new FaceRedactor(new RedactionOptions())));
        var sink = new RedactingSink(inner, [Cam.Id], report, NullLogger.Instance);
        report.BeginSession();
        sink.Publish(new Sample(Imu.Id, 0, default, default, default, new byte[24]));
        sink.Publish(new Sample(Cam.Id, 0, default, default, default, FaceJpeg));
        Assert.True(SpinWait.SpinUntil(() => inner.Count == 2, TimeSpan.FromSeconds(20)));
        var frame = inner.Samples.Single(s => s.Stream == Cam.Id);
        Assert.False(frame.Payload.Span.SequenceEqual(FaceJpeg));
        Assert.Contains("\"facesFound\":1", report.SessionReportJson());
        await sink.DisposeAsync();
    }

    [Fact]
    public async Task RedactingSink_DetectsOnEveryThirdFrame_AndRedactsTheFramesBetween()
    {
        var inner = new ListSink();
        var report = new CaptureRedactionReport(new CascadeFrameRedactor(new FaceRedactor(new RedactionOptions())));
        var sink = new RedactingSink(inner, [Cam.Id], report, NullLogger.Instance, tracking: new FaceTrackingOptions { DetectEvery = 3 });
        report.BeginSession();
        for (int k = 0; k < 3; k++) sink.Publish(new Sample(Cam.Id, k, default, default, default, FaceJpeg));
        Assert.True(SpinWait.SpinUntil(() => inner.Count == 3, TimeSpan.FromSeconds(20)));
        Assert.All(inner.Samples, s => Assert.False(s.Payload.Span.SequenceEqual(FaceJpeg), $"frame {s.Sequence} left raw"));
        Assert.Contains("\"facesFound\":1", report.SessionReportJson()); // the detector ran on the first frame only
        Assert.Contains("\"framesProcessed\":3", report.SessionReportJson());
        await sink.DisposeAsync();
    }

    private sealed class ListSink : ISampleSink
    {
        private readonly List<Sample> _samples = [];
        public void Publish(Sample sample) { lock (_samples) _samples.Add(sample); }
        public int Count { get { lock (_samples) return _samples.Count; } }
        public IReadOnlyList<Sample> Samples { get { lock (_samples) return _samples.ToArray(); } }
    }

    private sealed class Collector : IServerStreamWriter<PullSessionResponse>
    {
        public List<PullSessionResponse> Messages { get; } = [];
        public WriteOptions? WriteOptions { get; set; }
        public Task WriteAsync(PullSessionResponse message) { Messages.Add(message.Clone()); return Task.CompletedTask; }
    }
}
