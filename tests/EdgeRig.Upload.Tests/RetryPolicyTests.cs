using Microsoft.Extensions.Time.Testing;

namespace EdgeRig.Upload.Tests;

/// <summary>Back-off with jitter on a fake clock: the waits double to the cap, jitter stays in range, and retries happen only after the wait.</summary>
public sealed class RetryPolicyTests
{
    private static readonly RetryPolicy Policy = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), Jitter: 0.5);

    private sealed class Transient() : Exception("connection refused");

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(5, 16)]
    [InlineData(6, 30)]
    [InlineData(100, 30)]
    public void Delay_NthFailure_DoublesUpToTheCapAndJitterTakesAtMostHalf(int failure, double ceilingSeconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(ceilingSeconds), Policy.Delay(failure, 0));
        Assert.Equal(TimeSpan.FromSeconds(ceilingSeconds * 0.75), Policy.Delay(failure, 0.5));
        Assert.Equal((TimeSpan.FromSeconds(ceilingSeconds / 2), TimeSpan.FromSeconds(ceilingSeconds)), Policy.DelayRange(failure));
    }

    [Fact]
    public Task RunAsync_TransientFailures_RetriesOnlyAfterEachBackoffHasPassed() => FakeClock.RunInline(async () =>
    {
        var time = new FakeTimeProvider();
        int attempts = 0;
        var notices = new List<RetryNotice>();
        var runner = new RetryRunner(Policy, time, e => e is Transient, () => 0) { OnRetry = notices.Add };

        var run = runner.RunAsync("PUT k", _ => ++attempts < 3 ? throw new Transient() : Task.FromResult("done"), CancellationToken.None);

        Assert.Equal(1, attempts);
        time.Advance(TimeSpan.FromSeconds(1) - TimeSpan.FromTicks(1));
        Assert.Equal(1, attempts); // not before the first wait (1 s) is over
        time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(2, attempts);
        time.Advance(TimeSpan.FromSeconds(2) - TimeSpan.FromTicks(1));
        Assert.Equal(2, attempts); // the second wait is twice as long
        time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal("done", await run);
        Assert.Equal(3, attempts);
        Assert.Equal([(1, TimeSpan.FromSeconds(1)), (2, TimeSpan.FromSeconds(2))], notices.Select(n => (n.Failure, n.Wait)));
        Assert.All(notices, n => Assert.Equal("PUT k", n.Operation));
    });

    [Fact]
    public Task RunAsync_PermanentFailure_ThrowsAtOnceWithoutWaiting() => FakeClock.RunInline(async () =>
    {
        var time = new FakeTimeProvider();
        int attempts = 0;
        var runner = new RetryRunner(Policy, time, e => e is Transient);

        await Assert.ThrowsAsync<UnauthorizedAccessException>(() =>
            runner.RunAsync("PUT k", _ => { attempts++; throw new UnauthorizedAccessException("403 AccessDenied"); }, CancellationToken.None));
        Assert.Equal(1, attempts);
    });

    [Fact]
    public Task RunAsync_MaxAttemptsReached_ThrowsTheLastFailure() => FakeClock.RunInline(async () =>
    {
        var time = new FakeTimeProvider();
        int attempts = 0;
        var runner = new RetryRunner(Policy with { MaxAttempts = 3 }, time, e => e is Transient, () => 0);

        var run = runner.RunAsync("PUT k", _ => { attempts++; return Task.FromException<int>(new Transient()); }, CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromSeconds(2));

        await Assert.ThrowsAsync<Transient>(() => run);
        Assert.Equal(3, attempts);
    });

    [Fact]
    public Task RunAsync_CancelledDuringBackoff_EndsWithoutAnotherAttempt() => FakeClock.RunInline(async () =>
    {
        var time = new FakeTimeProvider();
        int attempts = 0;
        using var cts = new CancellationTokenSource();
        var runner = new RetryRunner(Policy, time, e => e is Transient, () => 0);

        var run = runner.RunAsync("PUT k", _ => { attempts++; return Task.FromException<int>(new Transient()); }, cts.Token);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(1, attempts);
    });
}
