using EdgeRig.Core;

namespace EdgeRig.Devices.Tests;

/// <summary>Collects published samples (thread-safe) for assertions.</summary>
internal sealed class CollectingSink : ISampleSink
{
    private readonly List<Sample> _samples = [];

    public void Publish(Sample sample) { lock (_samples) _samples.Add(sample); }

    public Sample[] Snapshot() { lock (_samples) return [.. _samples]; }

    public int Count { get { lock (_samples) return _samples.Count; } }

    /// <summary>Polls until <paramref name="done"/> holds or the timeout passes.</summary>
    public async Task<bool> WaitFor(Func<Sample[], bool> done, TimeSpan timeout)
    {
        var end = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < end)
        {
            if (done(Snapshot())) return true;
            await Task.Delay(10);
        }
        return done(Snapshot());
    }
}
