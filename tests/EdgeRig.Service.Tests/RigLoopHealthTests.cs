using EdgeRig.Core;
using EdgeRig.Recording;
using EdgeRig.Service.Systemd;
using EdgeRig.Storage;
using EdgeRig.Timing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EdgeRig.Service.Tests;

/// <summary>The rig-loop judgement shared by systemd's watchdog and gRPC health.</summary>
public sealed class RigLoopHealthTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "edgerig-loop-" + Guid.NewGuid().ToString("N"));
    private readonly LiteDbSessionStore _store;
    private static readonly StreamDescriptor Imu = new(new StreamId("imu0"), Modality.Imu, Encodings.Imu6, 400, "", "imu0", "imu0");

    public RigLoopHealthTests() => _store = new LiteDbSessionStore(_dir);

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Current_CaptureStops_UnhealthyNamingIt_JudgedAtMostEveryTwoSeconds()
    {
        var clock = new FakeRigClock();
        var time = new FakeTimeProvider();
        var pipeline = new RecordingPipeline(new RigProfile { Name = "rig" }, [Imu], _store, clock, TimeProvider.System, RecordingCollaborators.None, NullLogger<RecordingPipeline>.Instance);
        var health = new RigLoopHealth(pipeline, time);
        long seq = 0;
        void Deliver() => pipeline.Publish(new Sample(Imu.Id, seq++, new SensorTime(seq), clock.Now, default, new byte[24]));

        Deliver();
        Assert.Null(health.Current); // the first judgement has nothing to compare with
        Deliver();
        time.Advance(RigLoopHealth.MinInterval);
        Assert.Null(health.Current); // samples moved
        time.Advance(RigLoopHealth.MinInterval);
        Assert.Equal("no stream delivered a sample since the last check", health.Current);
        Deliver();
        Assert.Equal("no stream delivered a sample since the last check", health.Current); // not judged again yet
        time.Advance(RigLoopHealth.MinInterval);
        Assert.Null(health.Current);
    }
}
