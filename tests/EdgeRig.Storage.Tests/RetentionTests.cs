using EdgeRig.Core;
using EdgeRig.Storage;

namespace EdgeRig.Storage.Tests;

public sealed class RetentionTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "edgerig-retention-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static (SessionRecord, long) S(string id, double daysAgo, long bytes, bool pulled = true, SessionState state = SessionState.Complete)
    {
        var start = RigTime.FromDateTimeOffset(Now - TimeSpan.FromDays(daysAgo));
        var session = new Session(id, id, "o", new Dictionary<string, string>(), start, state == SessionState.Recording ? null : start + Duration.FromSeconds(60), state, "rig");
        return (new SessionRecord(session, [], new Dictionary<string, StreamCounts>(), [], 0, bytes) { PulledAt = pulled ? Now : null }, bytes);
    }

    [Fact]
    public void Plan_ByAge_DeletesOldPulledKeepsUnpulled()
    {
        var plan = RetentionPolicy.Plan([S("old", 40, 10), S("old-unpulled", 35, 10, pulled: false), S("new", 1, 10)],
            new RetentionProfile { MaxAgeDays = 30 }, Now);
        Assert.Equal(["old"], plan.Delete);
        Assert.Equal(["old-unpulled"], plan.KeptUnpulled);
    }

    [Fact]
    public void Plan_BySize_DeletesOldestUntilUnderLimit_NeverTheRecordingOne()
    {
        long gib = 1L << 30;
        var plan = RetentionPolicy.Plan([S("a", 5, gib), S("b", 4, gib), S("c", 3, gib), S("live", 0, gib, pulled: false, SessionState.Recording)],
            new RetentionProfile { MaxTotalGiB = 2.5 }, Now);
        Assert.Equal(["a", "b"], plan.Delete);
        Assert.Equal(2 * gib, plan.BytesAfter);
    }

    [Fact]
    public void Plan_KeepUntilPulledOff_DeletesUnpulledToo()
    {
        var plan = RetentionPolicy.Plan([S("x", 40, 10, pulled: false)], new RetentionProfile { MaxAgeDays = 30, KeepUntilPulled = false }, Now);
        Assert.Equal(["x"], plan.Delete);
    }

    [Fact]
    public void Runner_DeletesFromTheStore_FreesTheFiles()
    {
        using var store = new LiteDbSessionStore(_dir, new SessionStoreOptions { FreeSpaceReserveBytes = 0, StartHeadroomBytes = 0 });
        var imu = new StreamDescriptor(new StreamId("imu0"), Modality.Imu, Encodings.Imu6, 400, "", "imu0", "imu0");
        foreach (var (id, daysAgo, pulled) in new[] { ("s-old", 40.0, true), ("s-unpulled", 41.0, false), ("s-new", 0.5, true) })
        {
            var start = RigTime.FromDateTimeOffset(Now - TimeSpan.FromDays(daysAgo));
            store.CreateSession(new Session(id, id, "o", new Dictionary<string, string>(), start, null, SessionState.Recording, "rig"), [imu]);
            store.WriteChunks(id, [new ChunkBatch(imu, Enumerable.Range(0, 500).Select(i => new Sample(imu.Id, i, default, default, default, new byte[24])).ToList())]);
            store.CloseSession(id, start + Duration.FromSeconds(10), SessionState.Complete, "done");
            if (pulled) store.MarkPulled(id, Now);
        }
        var fake = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Now);
        var plan = new RetentionRunner(store, new RetentionProfile { MaxAgeDays = 30 }, fake).RunOnce();
        Assert.Equal(["s-old"], plan.Delete);
        Assert.Equal(["s-unpulled", "s-new"], store.ListSessions().Select(r => r.Session.Id).Order().Reverse());
        Assert.Empty(Directory.GetFiles(Path.Combine(_dir, "sessions"), "s-old*"));
    }
}
