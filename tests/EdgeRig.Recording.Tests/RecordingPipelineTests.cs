using EdgeRig.Core;
using EdgeRig.Formats;
using EdgeRig.Recording;
using EdgeRig.Storage;
using EdgeRig.Timing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EdgeRig.Recording.Tests;

public sealed class RecordingPipelineTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "edgerig-rec-" + Guid.NewGuid().ToString("N"));
    private readonly FakeRigClock _clock = new();
    private readonly FakeTimeProvider _time = new();
    private readonly LiteDbSessionStore _store;
    private static readonly StreamDescriptor Imu = StreamChannelTests.Imu;
    private static readonly StreamDescriptor Button = new(new StreamId("button0"), Modality.Gpio, Encodings.GpioEdge, 0, "edge", "button0", "rig")
    {
        Timestamps = TimestampSource.HostKernel,
        Parameters = new Dictionary<string, string> { ["role"] = "marker-button" },
    };

    public RecordingPipelineTests() => _store = new LiteDbSessionStore(_dir);

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private RecordingPipeline Pipeline(ISessionStore? store = null, int maxChunkBytes = 4096, RecordingCollaborators? collaborators = null) =>
        new(new RigProfile { Name = "test", Devices = [new DeviceProfile { Id = "imu0", Kind = "imu", QueueCapacity = 5000 }], Recording = new RecordingProfile { MaxChunkBytes = maxChunkBytes, FlushIntervalSeconds = 0.5 } },
            [Imu, Button], store ?? _store, _clock, _time, collaborators ?? RecordingCollaborators.None, NullLogger<RecordingPipeline>.Instance);

    private void Feed(RecordingPipeline p, long from, int count)
    {
        for (long k = from; k < from + count; k++)
        {
            _clock.Advance(Duration.FromMilliseconds(2.5));
            p.Publish(new Sample(Imu.Id, k, new SensorTime(k), _clock.Now, default, new byte[24]));
        }
    }

    [Fact]
    public async Task Record_ThenStop_EverySampleAccountedForAndStoredInOrder()
    {
        var p = Pipeline();
        Feed(p, 0, 100); // before recording: observed live, not recorded
        var session = await p.StartAsync("demo", "ana", new Dictionary<string, string> { ["site"] = "lab" });
        Feed(p, 100, 2000);
        p.AddMarker("door opened", "");
        var record = await p.StopAsync();

        var counts = record.Counts["imu0"];
        Assert.Equal(2000, counts.Produced);
        Assert.Equal(counts.Produced, counts.Recorded + counts.Dropped);
        Assert.Equal(0, counts.Dropped);
        Assert.Equal(SessionState.Complete, record.Session.State);
        Assert.Equal("door opened", Assert.Single(record.Markers).Label);
        var chunks = _store.ListChunks(session.Id).Where(c => c.Stream == Imu.Id).ToList();
        Assert.True(chunks.Count > 1, "size-bounded chunks");
        var sequences = chunks.SelectMany(c => ChunkFormat.Decode(c, _store.ReadChunk(session.Id, c))).Select(s => s.Sequence).ToList();
        Assert.Equal(counts.Recorded, sequences.Count);
        Assert.True(sequences.Zip(sequences.Skip(1)).All(x => x.Second > x.First), "sequence numbers strictly increase");
        Assert.Equal(100, sequences[0]);
    }

    [Fact]
    public async Task Collaborators_GateCalibrationAndLifecycle_AppliedToEachSession()
    {
        var hooks = new RecordingHooks();
        var p = Pipeline(collaborators: new RecordingCollaborators(hooks, hooks, hooks));
        hooks.Refusal = "PTP is not locked";
        var refused = await Assert.ThrowsAsync<InvalidRigStateException>(() => p.StartAsync("a", "b", new Dictionary<string, string>()));
        Assert.Equal("recording refused: PTP is not locked", refused.Message);
        Assert.Equal(0, hooks.Started);

        hooks.Refusal = null;
        var session = await p.StartAsync("a", "b", new Dictionary<string, string>());
        Feed(p, 0, 10);
        var record = await p.StopAsync();

        Assert.Equal("lab1@2", session.Calibration);
        Assert.Equal((1, 10), (hooks.Started, hooks.Observed));
        Assert.Equal(session.Id, hooks.FinishedRecord?.Session.Id);
        Assert.Equal(10, record.Counts["imu0"].Recorded);
    }

    /// <summary>Every collaborator at once: a gate set by the test, profile "lab1@2", and an observer that counts.</summary>
    private sealed class RecordingHooks : IRecordingStartGate, IActiveCalibration, ISessionLifecycle, ISessionObserver
    {
        private int _observed;
        public string? Refusal { get; set; }
        public int Started { get; private set; }
        public int Observed => Volatile.Read(ref _observed);
        public SessionRecord? FinishedRecord { get; private set; }
        public string? RefusalReason() => Refusal;
        public string? ProfileReference() => "lab1@2";
        public ISessionObserver? Starting(Session session, IReadOnlyList<StreamDescriptor> streams) { Started++; return this; }
        public void Finished(SessionRecord record, ISessionObserver? observer) => FinishedRecord = observer == this ? record : null;
        public void Observe(Sample sample) => Interlocked.Increment(ref _observed);
    }

    [Fact]
    public async Task Lifecycle_WrongState_ThrowsInvalidRigState()
    {
        var p = Pipeline();
        await Assert.ThrowsAsync<InvalidRigStateException>(() => p.StopAsync());
        Assert.Throws<InvalidRigStateException>(() => p.AddMarker("x", ""));
        await p.StartAsync("a", "b", new Dictionary<string, string>());
        var e = await Assert.ThrowsAsync<InvalidRigStateException>(() => p.StartAsync("again", "b", new Dictionary<string, string>()));
        Assert.Contains("already recording", e.Message);
        Assert.Throws<ArgumentException>(() => p.AddMarker("", ""));
        await p.StopAsync();
    }

    [Fact]
    public async Task MarkerButton_RisingEdge_BecomesMarker()
    {
        var p = Pipeline();
        var session = await p.StartAsync("a", "b", new Dictionary<string, string>());
        p.Publish(new Sample(Button.Id, 0, new SensorTime(1), _clock.Now, default, new byte[] { 17, 1 }));
        p.Publish(new Sample(Button.Id, 1, new SensorTime(2), _clock.Now + Duration.FromMilliseconds(120), default, new byte[] { 17, 0 }));
        var record = await p.StopAsync();
        var marker = Assert.Single(record.Markers);
        Assert.Equal("button", marker.Label);
        Assert.Equal("gpio", marker.Source);
        Assert.Equal(2, record.Counts["button0"].Recorded);
    }

    [Fact]
    public async Task DeviceEvents_WhileRecording_BecomeGapStartAndEndMarkers()
    {
        var p = Pipeline();
        p.AddDeviceEvent(_clock.Now, "lidar0 disconnected", "before the session"); // idle: nothing to record into
        await p.StartAsync("a", "b", new Dictionary<string, string>());
        var gone = _clock.Now;
        p.AddDeviceEvent(gone, "lidar0 disconnected", "serial port closed");
        _clock.Advance(Duration.FromSeconds(1.5));
        p.AddDeviceEvent(_clock.Now, "lidar0 reconnected", "");
        var record = await p.StopAsync();
        Assert.Equal(["lidar0 disconnected", "lidar0 reconnected"], record.Markers.Where(m => m.Source == "device").Select(m => m.Label));
        Assert.Equal(_clock.ToRig(gone).Time, record.Markers.First(m => m.Source == "device").Time);
    }

    [Fact]
    public async Task StorageFails_RecordingStopsWithReason_WrittenDataKept()
    {
        var failing = new FailingStore(_store);
        var p = Pipeline(failing);
        var session = await p.StartAsync("a", "b", new Dictionary<string, string>());
        Feed(p, 0, 500);
        await WaitFor(() => _store.ListChunks(session.Id).Count > 0);
        failing.Fail = true;
        Feed(p, 500, 500);
        await WaitForClosed(p, session.Id);
        var record = _store.GetSession(session.Id);
        Assert.Equal(SessionState.Complete, record.Session.State);
        Assert.Contains("storage failed", record.Session.StopReason);
        Assert.Contains("No space left", record.Session.StopReason);
        var c = record.Counts["imu0"];
        Assert.Equal(c.Produced, c.Recorded + c.Dropped);
        Assert.True(c.Recorded > 0);
        Assert.Equal(c.Recorded, _store.ListChunks(session.Id).Sum(x => (long)x.Count));
        Assert.Contains("storage failed", p.Status().LastStopReason);
    }

    [Fact]
    public async Task DiskReserveReached_WhatWasInFlightIsWrittenIntoTheReserve_NothingLost()
    {
        var failing = new FailingStore(_store);
        var p = Pipeline(failing);
        var session = await p.StartAsync("a", "b", new Dictionary<string, string>());
        Feed(p, 0, 200);
        await WaitFor(() => _store.ListChunks(session.Id).Count > 0);
        failing.AtReserve = true;
        Feed(p, 200, 200);
        await WaitForClosed(p, session.Id);
        var record = _store.GetSession(session.Id);
        Assert.Contains("disk reserve reached", record.Session.StopReason);
        var c = record.Counts["imu0"];
        Assert.Equal(400, c.Produced);
        Assert.Equal(0, c.Dropped);
        Assert.Equal(400, c.Recorded);
        Assert.Equal(400, _store.ListChunks(session.Id).Sum(x => (long)x.Count));
        Assert.True(failing.IntoReserve > 0, "the last write went into the reserve");
    }

    /// <summary>The pipeline shows no active session as soon as the stop begins; the stored record is closed a moment later.</summary>
    private Task WaitForClosed(RecordingPipeline p, string sessionId) =>
        WaitFor(() => p.Active is null && _store.GetSession(sessionId).Session.State == SessionState.Complete);

    private async Task WaitFor(Func<bool> condition)
    {
        for (int i = 0; i < 400 && !condition(); i++)
        {
            _clock.Advance(Duration.FromMilliseconds(100));
            _time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Delay(25);
        }
        Assert.True(condition());
    }
}
