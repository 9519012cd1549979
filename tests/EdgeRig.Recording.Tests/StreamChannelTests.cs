using EdgeRig.Core;
using EdgeRig.Recording;

namespace EdgeRig.Recording.Tests;

public class StreamChannelTests
{
    internal static readonly StreamDescriptor Imu = new(new StreamId("imu0"), Modality.Imu, Encodings.Imu6, 400, "", "imu0", "imu0") { SensorTickRateHz = 400 };

    internal static Sample At(StreamDescriptor d, long seq) =>
        new(d.Id, seq, new SensorTime(seq), new HostTime(seq * 2_500_000), new RigTimestamp(new RigTime(seq * 2_500_000), new Duration(1000)), new byte[24]);

    [Theory]
    [InlineData(DropPolicy.DropOldest, 1, 1)]
    [InlineData(DropPolicy.DropNewest, 1, 1)]
    [InlineData(DropPolicy.DropOldest, 10, 25)]
    [InlineData(DropPolicy.DropNewest, 10, 25)]
    [InlineData(DropPolicy.DropOldest, 10_000, 25_000)]
    [InlineData(DropPolicy.DropNewest, 10_000, 25_000)]
    public void TryWrite_WhenFull_DropsByPolicyAndCountsEveryDrop(DropPolicy policy, int capacity, int writes)
    {
        var channel = new StreamChannel(Imu, capacity, policy);
        for (int i = 0; i < writes; i++) Assert.True(channel.TryWrite(At(Imu, i)));
        var kept = new List<long>();
        while (channel.Reader.TryRead(out var s)) kept.Add(s.Sequence);
        channel.MarkRecorded(kept.Count);
        var c = channel.Counts;
        Assert.Equal(writes, c.Produced);
        Assert.Equal(Math.Max(0, writes - capacity), c.Dropped);
        Assert.Equal(c.Produced, c.Recorded + c.Dropped);
        long expectedFirst = policy == DropPolicy.DropOldest ? writes - Math.Min(capacity, writes) : 0;
        Assert.Equal(expectedFirst, kept[0]);
        Assert.Equal(Math.Min(capacity, writes), kept.Count);
    }

    [Fact]
    public void TryWrite_SequenceGap_CountsSensorGaps()
    {
        var channel = new StreamChannel(Imu, 100, DropPolicy.DropOldest);
        foreach (var seq in new long[] { 0, 1, 2, 5, 6, 10 }) channel.TryWrite(At(Imu, seq));
        Assert.Equal(5, channel.Counts.SensorGaps);
    }

    [Fact]
    public void TryWrite_AfterComplete_IsRefusedAndNotCounted()
    {
        var channel = new StreamChannel(Imu, 4, DropPolicy.DropOldest);
        channel.TryWrite(At(Imu, 0));
        channel.Complete();
        Assert.False(channel.TryWrite(At(Imu, 1)));
        Assert.Equal(1, channel.Counts.Produced);
    }
}

/// <summary>The session's sync statistics from the error bounds of the samples a channel accepted.</summary>
public sealed class StreamChannelSyncStatsTests
{
    private static Sample WithBound(long seq, long boundNs) =>
        StreamChannelTests.At(StreamChannelTests.Imu, seq) with { Rig = new RigTimestamp(new RigTime(seq), new Duration(boundNs)) };

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(10_000)]
    public void SyncStats_PercentilesWithinHalfABin_NeverAboveTheExactMax(int count)
    {
        var channel = new StreamChannel(StreamChannelTests.Imu, count, DropPolicy.DropOldest);
        var bounds = Enumerable.Range(1, count).Select(i => 1_000L * i).ToList();
        for (int i = 0; i < count; i++) channel.TryWrite(WithBound(i, bounds[i]));

        var stats = channel.SyncStats();
        Assert.Equal(count, stats.Count);
        Assert.Equal(bounds[^1], stats.Max.Nanoseconds);
        foreach (var (p, actual) in new[] { (0.5, stats.P50), (0.99, stats.P99) })
        {
            long exact = bounds[Math.Max(0, (int)Math.Ceiling(p * count) - 1)];
            Assert.InRange(actual.Nanoseconds, (long)(exact / 1.05), Math.Min(bounds[^1], (long)(exact * 1.05)));
        }
    }

    [Fact]
    public void SyncStats_NoSamples_AllZero() =>
        Assert.Equal(new BoundStats(0, new Duration(0), new Duration(0), new Duration(0)), new StreamChannel(StreamChannelTests.Imu, 4, DropPolicy.DropOldest).SyncStats());
}
