using Microsoft.Extensions.Time.Testing;

namespace EdgeRig.Upload.Tests;

/// <summary>The bandwidth cap on a fake clock: a burst passes at once, the rest only as time earns it, and re-read bytes are not charged twice.</summary>
public sealed class TokenBucketTests
{
    [Fact]
    public Task TakeAsync_BeyondTheBurst_WaitsUntilTheClockHasEarnedTheBytes() => FakeClock.RunInline(async () =>
    {
        var time = new FakeTimeProvider();
        var bucket = new TokenBucket(bytesPerSecond: 1000, time, burstBytes: 250);

        await bucket.TakeAsync(250, CancellationToken.None); // the burst: no wait
        var next = bucket.TakeAsync(250, CancellationToken.None).AsTask();
        time.Advance(TimeSpan.FromMilliseconds(249));
        Assert.False(next.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await next;
    });

    [Fact]
    public Task ThrottledStream_ReadAtOneMiBps_LetsOneSecondOfBytesThroughPerSecond() => FakeClock.RunInline(async () =>
    {
        var time = new FakeTimeProvider();
        var bucket = TokenBucket.ForMiBps(1, time)!;
        var content = new byte[2 * 1024 * 1024];
        await using var stream = new ThrottledReadStream(content, bucket);

        var copy = stream.CopyToAsync(Stream.Null);
        // the fake clock fires each wait at the end of an Advance: step it finely, as real time would pass
        for (int ms = 0; ms < 1740; ms++) time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(copy.IsCompleted); // 2 MiB at 1 MiB/s: a 0.25 MiB burst, then 1.75 s for the rest
        for (int ms = 0; ms < 5000 && !copy.IsCompleted; ms++) time.Advance(TimeSpan.FromMilliseconds(1));
        await copy;
        Assert.InRange(time.GetUtcNow() - time.Start, TimeSpan.FromSeconds(1.75), TimeSpan.FromSeconds(1.76));
    });

    [Fact]
    public Task ThrottledStream_ReadAgainAfterSeekingBack_IsNotChargedTwice() => FakeClock.RunInline(async () =>
    {
        var time = new FakeTimeProvider();
        var bucket = new TokenBucket(bytesPerSecond: 1000, time, burstBytes: 1000);
        await using var stream = new ThrottledReadStream(new byte[1000], bucket);

        await stream.CopyToAsync(Stream.Null); // the whole burst
        stream.Position = 0;
        var again = stream.CopyToAsync(Stream.Null);

        Assert.True(again.IsCompletedSuccessfully); // no tokens left, yet no wait: these bytes were paid for
        await again;
    });

    [Fact]
    public void ForMiBps_Zero_IsNoCap() => Assert.Null(TokenBucket.ForMiBps(0, TimeProvider.System));
}
