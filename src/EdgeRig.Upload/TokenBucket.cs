namespace EdgeRig.Upload;

/// <summary>
/// A bandwidth cap: bytes are let through at <c>bytesPerSecond</c> on average, with bursts up to <c>burstBytes</c> (a quarter
/// second's worth by default), so an upload never takes more of a field link than the rig file allows. Time comes from a
/// <see cref="TimeProvider"/>. Thread-safe: parallel parts share one bucket.
/// </summary>
public sealed class TokenBucket
{
    private readonly double rate, burst;
    private readonly TimeProvider time;
    private readonly object gate = new();
    private double tokens;
    private long lastTimestamp;

    public TokenBucket(double bytesPerSecond, TimeProvider time, double? burstBytes = null)
    {
        if (bytesPerSecond <= 0) throw new ArgumentOutOfRangeException(nameof(bytesPerSecond), bytesPerSecond, "must be positive");
        rate = bytesPerSecond;
        burst = Math.Max(1, burstBytes ?? bytesPerSecond / 4);
        this.time = time;
        tokens = burst;
        lastTimestamp = time.GetTimestamp();
    }

    /// <summary>A bucket for <paramref name="maxMiBps"/> MiB/s, or null for 0 (no cap).</summary>
    public static TokenBucket? ForMiBps(double maxMiBps, TimeProvider time) =>
        maxMiBps > 0 ? new TokenBucket(maxMiBps * 1024 * 1024, time) : null;

    /// <summary>Largest amount one <see cref="TakeAsync"/> should ask for, so waits stay short and smooth.</summary>
    public int MaxTake => (int)Math.Clamp(burst, 1, 64 * 1024);

    /// <summary>Waits until <paramref name="bytes"/> (at most the burst) may pass, then takes them.</summary>
    public async ValueTask TakeAsync(int bytes, CancellationToken ct)
    {
        double need = Math.Min(bytes, burst);
        while (true)
        {
            TimeSpan wait;
            lock (gate)
            {
                Refill();
                if (tokens >= need) { tokens -= need; return; }
                wait = TimeSpan.FromSeconds((need - tokens) / rate);
            }
            await Task.Delay(wait < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : wait, time, ct).ConfigureAwait(false);
        }
    }

    private void Refill()
    {
        long now = time.GetTimestamp();
        tokens = Math.Min(burst, tokens + time.GetElapsedTime(lastTimestamp, now).TotalSeconds * rate);
        lastTimestamp = now;
    }
}
