using EdgeRig.Core;

namespace EdgeRig.Devices.Simulation;

/// <summary>
/// An imperfect device clock and link: the oscillator runs fast or slow by DriftPpm, the counter starts at an
/// offset, timestamps carry noise, deliveries come after a fixed latency plus random (one-sided) jitter, and
/// some samples never arrive. Sample k happens at true time origin + k * period / (1 + drift).
/// </summary>
public sealed class SimulatedDeviceClock
{
    private readonly SimulatedClockProfile _profile;
    private readonly Random _random;
    private readonly double _truePeriodNs;
    private readonly double _ticksPerSample;
    private readonly double _tickRateHz;
    private readonly long _offsetTicks;
    private HostTime _lastDelivery;

    public SimulatedDeviceClock(SimulatedClockProfile profile, HostTime origin, double nominalRateHz, double tickRateHz, int seed)
    {
        _profile = profile;
        _random = new Random(seed);
        Origin = origin;
        _truePeriodNs = 1e9 / nominalRateHz / (1 + profile.DriftPpm * 1e-6);
        _ticksPerSample = tickRateHz / nominalRateHz;
        _tickRateHz = tickRateHz;
        _offsetTicks = (long)Math.Round(profile.OffsetMs * 1e-3 * tickRateHz);
    }

    public HostTime Origin { get; }

    /// <summary>True time of sample k.</summary>
    public HostTime TrueTime(long k) => Origin + new Duration((long)Math.Round(k * _truePeriodNs));

    /// <summary>True duration of one sample period on this device.</summary>
    public Duration TruePeriod => new((long)Math.Round(_truePeriodNs));

    /// <summary>The device counter at sample k, with timestamp noise.</summary>
    public SensorTime SensorTime(long k)
    {
        double noiseTicks = _profile.TimestampNoiseUs > 0 ? Gaussian() * _profile.TimestampNoiseUs * 1e-6 * _tickRateHz : 0;
        return new SensorTime(_offsetTicks + (long)Math.Round(k * _ticksPerSample + noiseTicks));
    }

    /// <summary>When the host sees data produced at <paramref name="trueTime"/>: latency plus one-sided jitter, never out of order.</summary>
    public HostTime Delivery(HostTime trueTime)
    {
        double jitterNs = _profile.JitterMs > 0 ? -Math.Log(1 - _random.NextDouble()) * _profile.JitterMs * 1e6 : 0;
        var t = trueTime + new Duration((long)(_profile.LatencyMs * 1e6 + jitterNs));
        if (t < _lastDelivery) t = _lastDelivery;
        _lastDelivery = t;
        return t;
    }

    /// <summary>Whether this sample is lost before it reaches the host.</summary>
    public bool Drops() => _profile.DropProbability > 0 && _random.NextDouble() < _profile.DropProbability;

    private double Gaussian()
    {
        double u1 = 1 - _random.NextDouble(), u2 = _random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
