using EdgeRig.Core;
using EdgeRig.Privacy;
using EdgeRig.Recording;
using EdgeRig.Service.Dashboard;
using EdgeRig.Service.Privacy;
using EdgeRig.Storage;
using EdgeRig.Timing;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeRig.Service.Tests;

/// <summary>Dashboard camera previews leave the rig too: where raw frames are stored (export policy, or video consent rules) faces are redacted first.</summary>
public sealed class PreviewRedactionTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "edgerig-preview-" + Guid.NewGuid().ToString("N"));
    private readonly LiteDbSessionStore _store;
    private static readonly StreamDescriptor Cam = new(new StreamId("cam0"), Modality.Camera, Encodings.Jpeg, 30, "", "cam0", "cam0") { Timestamps = TimestampSource.HostKernel };

    public PreviewRedactionTests() => _store = new LiteDbSessionStore(_dir);

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private byte[]? Thumbnail(RigProfile rig, string photo, bool withEgress)
    {
        var clock = new FakeRigClock();
        var pipeline = new RecordingPipeline(rig, [Cam], _store, clock, TimeProvider.System, RecordingCollaborators.None, NullLogger<RecordingPipeline>.Instance);
        pipeline.Publish(new Sample(Cam.Id, 1, new SensorTime(1), clock.Now, default, File.ReadAllBytes(PrivacyEgressTests.TestData(photo))));
        var egress = withEgress ? new EgressPolicy(rig, new LiteDbConsentStore(_store), TimeProvider.System, new CascadeFrameRedactor(new FaceRedactor(new RedactionOptions()))) : null;
        return new PreviewRenderer(pipeline, rig, egress).CameraThumbnail(Cam, 320);
    }

    private static RigProfile Rig(RedactionPolicy policy) => new() { Name = "rig", Privacy = new PrivacyProfile { Redaction = policy } };

    [Fact]
    public void ExportPolicy_PreviewOfAFace_IsRedacted_ANoFacePreviewIsNot()
    {
        var plain = Thumbnail(Rig(RedactionPolicy.Off), "messi5.jpg", withEgress: false)!;
        var redacted = Thumbnail(Rig(RedactionPolicy.Export), "messi5.jpg", withEgress: true)!;
        Assert.NotEqual(plain, redacted);
        Assert.Equal(Thumbnail(Rig(RedactionPolicy.Off), "baboon.jpg", withEgress: false), Thumbnail(Rig(RedactionPolicy.Export), "baboon.jpg", withEgress: true));
    }

    [Fact]
    public void ExportPolicy_WithoutADetector_ServesNoPreviewRatherThanARawFace() =>
        Assert.Null(Thumbnail(Rig(RedactionPolicy.Export), "messi5.jpg", withEgress: false));
}
