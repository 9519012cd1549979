using EdgeRig.Core;

namespace EdgeRig.Devices.Simulation;

/// <summary>One common physical event: a flash, click, bump and range step at one true time.</summary>
public sealed record WorldEvent(int Number, HostTime TrueTime, RigTime RigTime);

/// <summary>
/// The physical world every simulated twin observes. True time is host monotonic time; events recur at a
/// configurable mean interval (with random phase) and are kept as ground truth that tests can read.
/// </summary>
public sealed class SimulatedWorld
{
    /// <summary>How long a flash stays lit.</summary>
    public static readonly Duration FlashLength = Duration.FromMilliseconds(20);

    /// <summary>How long the LIDAR target stays moved after an event.</summary>
    public static readonly Duration RangeStepLength = Duration.FromMilliseconds(500);

    private readonly IRigClock _clock;
    private readonly long _intervalNs;
    private readonly Random _random;
    private readonly List<WorldEvent> _events = [];
    private readonly object _gate = new();
    private HostTime _nextEvent;

    public SimulatedWorld(WorldProfile profile, IRigClock clock)
    {
        _clock = clock;
        _intervalNs = Duration.FromSeconds(profile.EventIntervalSeconds).Nanoseconds;
        _random = new Random(profile.Seed);
        Origin = clock.Now;
        _nextEvent = Origin + new Duration(_intervalNs / 2 + (long)(_random.NextDouble() * _intervalNs / 2));
    }

    public HostTime Origin { get; }

    /// <summary>Raised once per event when it becomes known (ahead of its true time).</summary>
    public event Action<WorldEvent>? EventScheduled;

    /// <summary>Ground truth: every event scheduled so far.</summary>
    public IReadOnlyList<WorldEvent> Events
    {
        get { lock (_gate) return _events.ToArray(); }
    }

    /// <summary>The most recent event whose true time is at or before <paramref name="t"/>, if any.</summary>
    public WorldEvent? LastEventAtOrBefore(HostTime t)
    {
        lock (_gate)
        {
            ExtendTo(t + new Duration(_intervalNs));
            for (int i = _events.Count - 1; i >= 0; i--)
                if (_events[i].TrueTime <= t) return _events[i];
            return null;
        }
    }

    /// <summary>Fraction of [from, to) during which the flash was lit, in [0, 1].</summary>
    public double FlashOverlap(HostTime from, HostTime to)
    {
        if (to <= from) return 0;
        lock (_gate)
        {
            ExtendTo(to);
            long lit = 0;
            foreach (var e in _events)
            {
                long a = Math.Max(from.Nanoseconds, e.TrueTime.Nanoseconds);
                long b = Math.Min(to.Nanoseconds, (e.TrueTime + FlashLength).Nanoseconds);
                if (b > a) lit += b - a;
            }
            return (double)lit / (to - from).Nanoseconds;
        }
    }

    private void ExtendTo(HostTime t)
    {
        while (_nextEvent <= t)
        {
            var e = new WorldEvent(_events.Count + 1, _nextEvent, _clock.ToRig(_nextEvent).Time);
            _events.Add(e);
            EventScheduled?.Invoke(e);
            double jitter = 0.5 + _random.NextDouble();
            _nextEvent += new Duration((long)(_intervalNs * jitter));
        }
    }
}
