using EdgeRig.Core;
using EdgeRig.Formats;
using EdgeRig.Recording;
using EdgeRig.Storage;
using EdgeRig.Timing;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeRig.Recording.Tests;

public sealed class PreTriggerTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "edgerig-pre-" + Guid.NewGuid().ToString("N"));
    private readonly FakeRigClock _clock = new();
    private readonly LiteDbSessionStore _store;
    private static readonly StreamDescriptor Imu = StreamChannelTests.Imu;
    private static readonly StreamDescriptor Button = new(new StreamId("button0"), Modality.Gpio, Encodings.GpioEdge, 0, "edge", "button0", "rig")
    {
        Timestamps = TimestampSource.HostKernel,
        Parameters = new Dictionary<string, string> { ["role"] = "marker-button" },
    };

    public PreTriggerTests() => _store = new LiteDbSessionStore(_dir, new SessionStoreOptions { FreeSpaceReserveBytes = 0, StartHeadroomBytes = 0 });

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static Sample At(long seq, long rigNs, int size = 24) =>
        new(Imu.Id, seq, new SensorTime(seq), new HostTime(rigNs), new RigTimestamp(new RigTime(rigNs), new Duration(1)), new byte[size]);

    [Fact]
    public void Buffer_KeepsOnlyTheSpan()
    {
        var buffer = new PreTriggerBuffer(Duration.FromSeconds(2), long.MaxValue);
        for (int k = 0; k < 1000; k++) buffer.Add(At(k, k * 10_000_000L)); // 100 Hz for 10 s
        var held = buffer.Close()[Imu.Id];
        Assert.Equal(201, held.Count);
        Assert.Equal(799, held[0].Sequence);
        Assert.False(buffer.Add(At(1000, 10_000_000_000)));
    }

    [Fact]
    public void Buffer_ByteBound_EvictsOldestFirst()
    {
        var buffer = new PreTriggerBuffer(Duration.FromSeconds(100), maxBytes: 10 * (1000 + 44));
        for (int k = 0; k < 50; k++) buffer.Add(At(k, k * 1_000_000L, size: 1000));
        var held = buffer.Close()[Imu.Id];
        Assert.Equal(10, held.Count);
        Assert.Equal(40, held[0].Sequence);
        Assert.Equal(40, buffer.EvictedForSpace);
    }

    private RecordingPipeline Pipeline() =>
        new(new RigProfile { Name = "t", Devices = [new DeviceProfile { Id = "imu0", Kind = "imu", QueueCapacity = 20_000 }] },
            [Imu, Button], _store, _clock, TimeProvider.System, RecordingCollaborators.None, NullLogger<RecordingPipeline>.Instance);

    private void Feed(RecordingPipeline p, long from, int count)
    {
        for (long k = from; k < from + count; k++)
        {
            _clock.Advance(Duration.FromMilliseconds(2.5));
            p.Publish(new Sample(Imu.Id, k, new SensorTime(k), _clock.Now, default, new byte[24]));
        }
    }

    [Fact]
    public async Task Trigger_SessionBeginsPreTriggerSecondsInThePast_WithEverySampleInOrder()
    {
        var p = Pipeline();
        await Assert.ThrowsAsync<InvalidRigStateException>(() => p.TriggerAsync());
        await p.ArmAsync(Duration.FromSeconds(5), 64L << 20, new SessionRequest("armed", "ana", new Dictionary<string, string>()));
        Feed(p, 0, 8000); // 20 s at 400 Hz: only the last 5 s are kept
        Assert.Null(p.Active);
        Assert.Empty(_store.ListSessions());
        var triggeredAt = _clock.RigNow;
        Assert.InRange(p.Status().Armed!.BufferedBytes, 2000 * 68 - 68, 2000 * 68 + 68);
        var session = await p.TriggerAsync();
        Assert.InRange((triggeredAt - session.Start).TotalSeconds, 4.9, 5.1);
        Feed(p, 8000, 400);
        var record = await p.StopAsync();
        var c = record.Counts["imu0"];
        Assert.Equal(c.Produced, c.Recorded + c.Dropped);
        Assert.InRange(c.Recorded, 2400 - 5, 2400 + 5);
        var seqs = _store.ListChunks(session.Id).SelectMany(x => ChunkFormat.Decode(x, _store.ReadChunk(session.Id, x))).Select(s => s.Sequence).ToList();
        Assert.True(seqs.Zip(seqs.Skip(1)).All(x => x.Second == x.First + 1), "no gap and no repeat across the trigger");
        Assert.Equal(8399, seqs[^1]);
        Assert.Equal("armed", record.Session.Name);
    }

    [Fact]
    public async Task MarkerButton_WhileArmed_Triggers()
    {
        var p = Pipeline();
        await p.ArmAsync(Duration.FromSeconds(2), 64L << 20, new SessionRequest("button", "", new Dictionary<string, string>()));
        Feed(p, 0, 1000);
        p.Publish(new Sample(Button.Id, 0, new SensorTime(1), _clock.Now, default, new byte[] { 17, 1 }));
        for (int i = 0; i < 200 && p.Active is null; i++) await Task.Delay(10);
        Assert.NotNull(p.Active);
        Feed(p, 1000, 100);
        var record = await p.StopAsync();
        Assert.Contains(record.Markers, m => m.Label == "trigger" && m.Source == "gpio");
        Assert.True(record.Counts["imu0"].Recorded >= 800);
    }

    [Fact]
    public async Task Arm_BadArguments_AreRefusedNamingThem()
    {
        var p = Pipeline();
        var e = await Assert.ThrowsAsync<ArgumentException>(() => p.ArmAsync(Duration.FromSeconds(-1), 64L << 20, new SessionRequest("", "", new Dictionary<string, string>())));
        Assert.Contains("pre_trigger_seconds", e.Message);
        await Assert.ThrowsAsync<InvalidRigStateException>(() => p.DisarmAsync());
    }
}
