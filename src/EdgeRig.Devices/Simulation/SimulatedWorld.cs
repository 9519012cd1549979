using EdgeRig.Core;

namespace EdgeRig.Devices.Simulation;

/// <summary>One common physical event: a flash, click, bump and range step at one true time.</summary>
/// <param name="Source">"periodic" for the world's own events; otherwise what fired it (e.g. "gpio line 23").</param>
public sealed record WorldEvent(int Number, HostTime TrueTime, RigTime RigTime, string Source = "periodic");

/// <summary>
/// The physical world every simulated twin observes. True time is host monotonic time. Events (a flash, click, bump and range
/// step at one instant) recur at a configurable mean interval with random phase, and are fired on demand by the stimulus
/// hardware (<see cref="FireNow"/>, from the simulated GPIO trigger); all are kept as ground truth. The rig may turn about its
/// vertical axis (<see cref="Yaw"/>), by the rig file's sum of sines, always or only while <see cref="Turn"/> is in effect.
/// Twins only ask about the past (data is rendered when it is delivered), so pausing or firing at "now" is consistent.
/// </summary>
public sealed class SimulatedWorld
{
    /// <summary>How long a flash stays lit (the stimulus LED's one-shot).</summary>
    public static readonly Duration FlashLength = Duration.FromMilliseconds(20);

    /// <summary>How long the LIDAR target stays moved after an event (not a whole number of turns, so both edges add a phase).</summary>
    public static readonly Duration RangeStepLength = Duration.FromMilliseconds(450);

    private readonly IRigClock _clock;
    private readonly WorldProfile _profile;
    private readonly long _intervalNs;
    private readonly Random _random;
    private readonly List<WorldEvent> _events = [];
    private readonly List<(HostTime From, HostTime To)> _paused = [];
    private readonly List<(HostTime From, HostTime To)> _turns = [];
    private readonly object _gate = new();
    private HostTime _nextEvent;
    private int _pauses;
    private HostTime _pausedSince;
    private int _turning;
    private HostTime _turningSince;
    private long _scriptStartNs;

    public SimulatedWorld(WorldProfile profile, IRigClock clock)
    {
        _clock = clock;
        _profile = profile;
        _intervalNs = Duration.FromSeconds(profile.EventIntervalSeconds).Nanoseconds;
        _random = new Random(profile.Seed);
        Origin = clock.Now;
        _scriptStartNs = Origin.Nanoseconds;
        _nextEvent = Origin + new Duration(_intervalNs / 2 + (long)(_random.NextDouble() * _intervalNs / 2));
        if (profile.Rotation.Mode == RotationMode.Always) (_turning, _turningSince) = (1, Origin);
        Target = profile.Target is { } target ? new SimulatedTarget(target) : null;
    }

    public HostTime Origin { get; }

    /// <summary>The calibration board held in front of the rig, and the rig's sway around it; null when the rig file has none.</summary>
    public SimulatedTarget? Target { get; }

    /// <summary>Seconds into the target script: since the world started, or since the last <see cref="RestartTargetScript"/>.</summary>
    public double SecondsAt(HostTime t) => (t.Nanoseconds - Interlocked.Read(ref _scriptStartNs)) / 1e9;

    /// <summary>Plays the target script (board path, rig sway) again from now: a live spatial calibration run records all of it.</summary>
    public void RestartTargetScript() => Interlocked.Exchange(ref _scriptStartNs, _clock.Now.Nanoseconds);

    /// <summary>Raised by a simulated camera for each frame that shows the board: the truth spatial calibration is checked against.</summary>
    public event Action<TargetTruth>? TargetSeen;

    internal void ReportTargetSeen(TargetTruth truth) => TargetSeen?.Invoke(truth);

    /// <summary>The rig file's world seed; twins derive their own (clock jitter, noise) from it and their id.</summary>
    public int Seed => _profile.Seed;

    /// <summary>Raised once per event when it becomes known (periodic events when first observed; fired ones when fired).</summary>
    public event Action<WorldEvent>? EventScheduled;

    /// <summary>Ground truth: every event known so far, in time order.</summary>
    public IReadOnlyList<WorldEvent> Events
    {
        get { lock (_gate) return _events.ToArray(); }
    }

    /// <summary>The stimulus hardware fires now (a trigger edge): flash, click, bump and range step start at this instant.</summary>
    public WorldEvent FireNow(string source)
    {
        WorldEvent e;
        lock (_gate)
        {
            var now = _clock.Now;
            ExtendTo(now);
            e = new WorldEvent(_events.Count + 1, now, _clock.ToRig(now).Time, source);
            int i = _events.FindLastIndex(x => x.TrueTime <= now) + 1;
            _events.Insert(i, e);
        }
        EventScheduled?.Invoke(e);
        return e;
    }

    /// <summary>No periodic events from now until the result is disposed (a calibration run fires its own).</summary>
    public IDisposable PausePeriodicEvents()
    {
        lock (_gate)
            if (_pauses++ == 0) _pausedSince = _clock.Now;
        return new Scope(() =>
        {
            lock (_gate)
                if (--_pauses == 0) _paused.Add((_pausedSince, _clock.Now));
        });
    }

    /// <summary>The rig turns by the rotation profile from now until the result is disposed (no effect when the mode is "off").</summary>
    public IDisposable Turn()
    {
        if (_profile.Rotation.Mode == RotationMode.Off) return new Scope(() => { });
        lock (_gate)
            if (_turning++ == 0) _turningSince = _clock.Now;
        return new Scope(() =>
        {
            lock (_gate)
                if (--_turning == 0) _turns.Add((_turningSince, _clock.Now));
        });
    }

    /// <summary>Whether the rig was turning at <paramref name="t"/>.</summary>
    public bool IsTurning(HostTime t)
    {
        lock (_gate)
            return (_turning > 0 && t >= _turningSince) || _turns.Any(s => t >= s.From && t < s.To);
    }

    /// <summary>
    /// The rig's heading at <paramref name="t"/> (rad, counter-clockwise seen from above) relative to its rest heading: a turn
    /// starts from rest, and when it ends the rig is put back (so the LIDAR target is where the stimulus method looks for it).
    /// </summary>
    public double Yaw(HostTime t)
    {
        lock (_gate)
        {
            foreach (var (from, to) in Segments())
                if (t >= from && t < to) return TurnAngle((t - from).TotalSeconds);
            return 0;
        }
    }

    /// <summary>The rig's yaw rate at <paramref name="t"/> (rad/s): what a gyro about the vertical axis reads.</summary>
    public double YawRate(HostTime t)
    {
        lock (_gate)
        {
            foreach (var (from, to) in Segments())
                if (t >= from && t < to) return TurnRate((t - from).TotalSeconds);
            return 0;
        }
    }

    /// <summary>The most recent event whose true time is at or before <paramref name="t"/>, if any.</summary>
    public WorldEvent? LastEventAtOrBefore(HostTime t)
    {
        lock (_gate)
        {
            ExtendTo(t);
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

    private IEnumerable<(HostTime From, HostTime To)> Segments()
    {
        foreach (var s in _turns) yield return s;
        if (_turning > 0) yield return (_turningSince, new HostTime(long.MaxValue));
    }

    /// <summary>Angle turned τ seconds into a turn: the integral of <see cref="TurnRate"/>.</summary>
    private double TurnAngle(double tau) =>
        _profile.Rotation.Components.Sum(c => c.AmplitudeRadPerS / (2 * Math.PI * c.FrequencyHz) * (1 - Math.Cos(2 * Math.PI * c.FrequencyHz * tau)));

    /// <summary>Yaw rate τ seconds into a turn: Σ a·sin(2πf·τ), starting from rest.</summary>
    private double TurnRate(double tau) => _profile.Rotation.Components.Sum(c => c.AmplitudeRadPerS * Math.Sin(2 * Math.PI * c.FrequencyHz * tau));

    private bool Paused(HostTime t) => (_pauses > 0 && t >= _pausedSince) || _paused.Any(p => t >= p.From && t < p.To);

    private void ExtendTo(HostTime t)
    {
        if (!_profile.PeriodicEvents) return;
        while (_nextEvent <= t)
        {
            if (!Paused(_nextEvent))
            {
                var e = new WorldEvent(_events.Count + 1, _nextEvent, _clock.ToRig(_nextEvent).Time);
                int i = _events.FindLastIndex(x => x.TrueTime <= _nextEvent) + 1;
                _events.Insert(i, e);
                EventScheduled?.Invoke(e);
            }
            double jitter = 0.5 + _random.NextDouble();
            _nextEvent += new Duration((long)(_intervalNs * jitter));
        }
    }

    private sealed class Scope(Action end) : IDisposable
    {
        private int _done;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0) end();
        }
    }
}
