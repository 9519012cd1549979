namespace EdgeRig.Upload;

/// <summary>
/// Exponential back-off with jitter for an endpoint that is down or a link that drops: the n-th failure in a row waits
/// <see cref="First"/>·2^(n-1), capped at <see cref="Max"/>, less a random share of up to <see cref="Jitter"/> of it so that
/// many rigs coming back at once do not retry in step. <see cref="MaxAttempts"/> 0 retries forever (the service's queue:
/// an endpoint down for hours); a caller's cancellation always ends the wait at once.
/// </summary>
public sealed record RetryPolicy(TimeSpan First, TimeSpan Max, int MaxAttempts = 0, double Jitter = 0.5)
{
    /// <summary>0.5 s doubling to 5 min, forever: what a rig's upload queue wants.</summary>
    public static readonly RetryPolicy Default = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromMinutes(5));

    /// <summary>The wait after the <paramref name="failure"/>-th failure in a row (1-based); <paramref name="random01"/> in [0, 1) picks the jitter.</summary>
    public TimeSpan Delay(int failure, double random01)
    {
        if (failure < 1) throw new ArgumentOutOfRangeException(nameof(failure), failure, "failures count from 1");
        double ceiling = Math.Min(Max.Ticks, First.Ticks * Math.Pow(2, Math.Min(failure - 1, 62)));
        double jitter = Math.Clamp(Jitter, 0, 1) * Math.Clamp(random01, 0, 1);
        return TimeSpan.FromTicks((long)(ceiling * (1 - jitter)));
    }

    /// <summary>The shortest and longest wait after the <paramref name="failure"/>-th failure.</summary>
    public (TimeSpan Min, TimeSpan Max) DelayRange(int failure) => (Delay(failure, 1), Delay(failure, 0));
}

/// <summary>One failed attempt, for progress and status: what failed, how often in a row, the wait before the next try.</summary>
public sealed record RetryNotice(string Operation, int Failure, TimeSpan Wait, Exception Error);

/// <summary>
/// Runs an operation under a <see cref="RetryPolicy"/>, waiting on the given <see cref="TimeProvider"/> (a fake one in tests).
/// Only failures <paramref name="isTransient"/> accepts are retried; the rest, and the last one, are thrown.
/// </summary>
public sealed class RetryRunner(RetryPolicy policy, TimeProvider time, Func<Exception, bool> isTransient, Func<double>? random01 = null)
{
    private readonly Func<double> random = random01 ?? Random.Shared.NextDouble;

    /// <summary>Called before each wait (status, logs). Never given a secret: errors are S3 or I/O errors.</summary>
    public Action<RetryNotice>? OnRetry { get; init; }

    public async Task<T> RunAsync<T>(string operation, Func<CancellationToken, Task<T>> attempt, CancellationToken ct)
    {
        for (int failure = 1; ; failure++)
        {
            ct.ThrowIfCancellationRequested();
            try { return await attempt(ct).ConfigureAwait(false); }
            catch (Exception e) when (!ct.IsCancellationRequested && isTransient(e) && (policy.MaxAttempts == 0 || failure < policy.MaxAttempts))
            {
                var wait = policy.Delay(failure, random());
                OnRetry?.Invoke(new RetryNotice(operation, failure, wait, e));
                await Task.Delay(wait, time, ct).ConfigureAwait(false);
            }
        }
    }

    public Task RunAsync(string operation, Func<CancellationToken, Task> attempt, CancellationToken ct) =>
        RunAsync(operation, async c => { await attempt(c).ConfigureAwait(false); return true; }, ct);
}
