using EdgeRig.Core;
using EdgeRig.Formats;
using EdgeRig.Storage;
using EdgeRig.Timing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EdgeRig.Recording.Tests;

/// <summary>The recorder awaits its channels and times its flushes by the injected TimeProvider. No assertion depends on wall
/// time: each test waits, under a guard, for what the samples or the fake clock alone must cause.</summary>
public sealed class SessionRecorderTests : IDisposable
{
    private static readonly StreamDescriptor Imu = StreamChannelTests.Imu;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "edgerig-recorder-" + Guid.NewGuid().ToString("N"));
    private readonly FakeRigClock _clock = new();
    private readonly FakeTimeProvider _time = new();
    private readonly LiteDbSessionStore _inner;
    private readonly FailingStore _store;

    public SessionRecorderTests()
    {
        _inner = new LiteDbSessionStore(_dir, new SessionStoreOptions { FreeSpaceReserveBytes = 0, StartHeadroomBytes = 0 });
        _store = new FailingStore(_inner);
    }

    public void Dispose()
    {
        _inner.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>A recorder of one IMU stream; its first chunk waits as long as any other unless <paramref name="firstFlushSeconds"/> is given.</summary>
    private SessionRecorder Recorder(double flushSeconds = 3600, int maxChunkBytes = 1 << 20, int capacity = 1000, ISessionObserver? observer = null,
        double? firstFlushSeconds = null) =>
        new(new Session("s1", "s1", "test", new Dictionary<string, string>(), _clock.RigNow, null, SessionState.Recording, "rig"),
            [new StreamChannel(Imu, capacity, DropPolicy.DropOldest)],
            new RecordingProfile { FlushIntervalSeconds = flushSeconds, FirstFlushSeconds = firstFlushSeconds ?? flushSeconds, MaxChunkBytes = maxChunkBytes },
            _store, _clock, _time, NullLogger.Instance, observer);

    private long StoredSamples => _inner.ListChunks("s1").Sum(c => (long)c.Count);

    /// <summary>Waits (up to ~5 s of wall time, a guard, never the thing measured) for a condition, nudging between looks.</summary>
    private static async Task<bool> Eventually(Func<bool> condition, Action? nudge = null)
    {
        for (int i = 0; i < 500 && !condition(); i++)
        {
            nudge?.Invoke();
            await Task.Delay(10);
        }
        return condition();
    }

    [Fact]
    public async Task Flush_IntervalPassesOnTheFakeClock_ChunkWrittenThen()
    {
        var observer = new CountingObserver();
        var recorder = Recorder(flushSeconds: 3600, observer: observer);
        recorder.Start();
        for (int k = 0; k < 3; k++) recorder.Publish(StreamChannelTests.At(Imu, k));
        Assert.True(await Eventually(() => observer.Count == 3), "the writer took the samples");

        _time.Advance(TimeSpan.FromHours(1) - TimeSpan.FromMilliseconds(1)); // the counts are due (every second), the chunk not yet
        Assert.True(await Eventually(() => _store.CountsUpdates >= 1), "the writer made a pass for the counts");
        Assert.Equal(0, StoredSamples);

        // the last millisecond of the interval; an hour of wall time never passes here
        Assert.True(await Eventually(() => StoredSamples == 3, nudge: () => _time.Advance(TimeSpan.FromMilliseconds(1))));
        var record = await recorder.StopAsync("done");
        Assert.Equal(3, record.Counts["imu0"].Recorded);
    }

    /// <summary>A clock that moves on at every reading, as a busy machine's does between two readings of the writer.</summary>
    private sealed class RacingClock : FakeTimeProvider
    {
        public override long GetTimestamp()
        {
            Advance(TimeSpan.FromMilliseconds(300));
            return base.GetTimestamp();
        }
    }

    [Fact]
    public async Task DeadlinePassesWhileTheWriterArmsItsTimer_RecordingGoesOn()
    {
        var recorder = new SessionRecorder(new Session("s1", "s1", "test", new Dictionary<string, string>(), _clock.RigNow, null, SessionState.Recording, "rig"),
            [new StreamChannel(Imu, 1000, DropPolicy.DropOldest)],
            new RecordingProfile { FlushIntervalSeconds = 1, FirstFlushSeconds = 1, MaxChunkBytes = 1 << 20 }, _store, _clock, new RacingClock(), NullLogger.Instance);
        recorder.Start();
        for (int k = 0; k < 20; k++)
        {
            recorder.Publish(StreamChannelTests.At(Imu, k));
            await Task.Delay(5);
        }

        var record = await recorder.StopAsync("done");

        Assert.Equal(20, record.Counts["imu0"].Recorded);
        Assert.Equal(20, StoredSamples);
    }

    [Fact]
    public async Task FirstChunk_DueAfterTheFirstFlushInterval_LaterChunksAfterTheFullInterval()
    {
        var observer = new CountingObserver();
        var recorder = Recorder(flushSeconds: 3600, firstFlushSeconds: 0.2, observer: observer);
        recorder.Start();
        for (int k = 0; k < 3; k++) recorder.Publish(StreamChannelTests.At(Imu, k));
        Assert.True(await Eventually(() => observer.Count == 3), "the writer took the samples");
        Assert.Equal(0, StoredSamples); // the first flush is not due yet

        Assert.True(await Eventually(() => StoredSamples == 3, nudge: () => _time.Advance(TimeSpan.FromMilliseconds(50))), "the first chunk written");
        Assert.Single(_inner.ListChunks("s1"));

        for (int k = 3; k < 6; k++) recorder.Publish(StreamChannelTests.At(Imu, k));
        Assert.True(await Eventually(() => observer.Count == 6), "the writer took the later samples");
        int updates = _store.CountsUpdates;
        _time.Advance(TimeSpan.FromSeconds(2)); // past the first-flush interval many times over, and the counts are due
        Assert.True(await Eventually(() => _store.CountsUpdates > updates), "the writer made a pass for the counts");
        Assert.Equal(3, StoredSamples); // the second chunk waits for the full interval

        Assert.True(await Eventually(() => StoredSamples == 6, nudge: () => _time.Advance(TimeSpan.FromMinutes(10))));
        var record = await recorder.StopAsync("done");
        Assert.Equal(6, record.Counts["imu0"].Recorded);
    }

    [Fact]
    public async Task Samples_TakenAsTheyArrive_WithoutTheClockMoving()
    {
        var observer = new CountingObserver();
        var recorder = Recorder(observer: observer);
        recorder.Start();
        for (int k = 0; k < 5; k++) recorder.Publish(StreamChannelTests.At(Imu, k));

        Assert.True(await Eventually(() => observer.Count == 5));
        Assert.Equal(0, StoredSamples); // taken, batched, not yet due
        await recorder.StopAsync("done");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(10_000)]
    public async Task SizeBound_ChunkWrittenAtOnce_WithoutTheClockMoving(int samplesPerChunk)
    {
        var recorder = Recorder(maxChunkBytes: samplesPerChunk * StreamChannelTests.At(Imu, 0).StoredBytes, capacity: 20_000);
        recorder.Start();
        for (int k = 0; k < samplesPerChunk; k++) recorder.Publish(StreamChannelTests.At(Imu, k));

        Assert.True(await Eventually(() => StoredSamples == samplesPerChunk));
        Assert.Single(_inner.ListChunks("s1"));
        await recorder.StopAsync("done");
    }

    [Fact]
    public async Task QueuedMarker_StoredWithoutTheClockMoving()
    {
        var recorder = Recorder();
        recorder.Start();
        recorder.QueueMarker(new Marker(_clock.RigNow, "button", "GPIO line 17", "gpio"));

        Assert.True(await Eventually(() => _inner.GetSession("s1").Markers.Count == 1));
        await recorder.StopAsync("done");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(100)]
    public async Task Stop_DrainsAndWritesEverythingAccepted_DropsCounted(int capacity)
    {
        var recorder = Recorder(capacity: capacity);
        for (int k = 0; k < 10; k++) recorder.Publish(StreamChannelTests.At(Imu, k)); // before the writer runs: the channel fills
        recorder.Start();

        var record = await recorder.StopAsync("done");

        var counts = record.Counts["imu0"];
        Assert.Equal(10, counts.Produced);
        Assert.Equal(Math.Max(0, 10 - capacity), counts.Dropped);
        Assert.Equal(counts.Produced - counts.Dropped, counts.Recorded);
        var stored = _inner.ListChunks("s1").SelectMany(c => ChunkFormat.Decode(c, _inner.ReadChunk("s1", c))).Select(s => s.Sequence).ToList();
        Assert.Equal(Enumerable.Range(10 - (int)counts.Recorded, (int)counts.Recorded).Select(k => (long)k), stored); // the newest kept, in order
    }

    private sealed class CountingObserver : ISessionObserver
    {
        private int _count;
        public int Count => Volatile.Read(ref _count);
        public void Observe(Sample sample) => Interlocked.Increment(ref _count);
    }
}
