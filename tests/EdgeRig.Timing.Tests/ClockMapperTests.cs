using EdgeRig.Core;
using EdgeRig.Timing;

namespace EdgeRig.Timing.Tests;

public class ClockMapperTests
{
    private static readonly FakeRigClock Rig = new(rigOffsetNs: 1_000_000_000_000) { Bound = Duration.FromMicroseconds(1) };

    /// <summary>A device whose clock runs fast by driftPpm, read in FIFO bursts after latency plus one-sided exponential jitter.</summary>
    private static IEnumerable<(SensorTime Sensor, HostTime Host, long TrueNs)> Device(double rateHz, double driftPpm, int burst, double latencyMs, double jitterMs, int count, long tickOffset = 0, int seed = 1)
    {
        var random = new Random(seed);
        double period = 1e9 / rateHz / (1 + driftPpm * 1e-6);
        long origin = 5_000_000_000;
        for (int k = 0; k < count; k += burst)
        {
            long lastTrue = origin + (long)((k + burst - 1) * period);
            long host = lastTrue + (long)(latencyMs * 1e6 - Math.Log(1 - random.NextDouble()) * jitterMs * 1e6);
            for (int j = k; j < k + burst && j < count; j++)
                yield return (new SensorTime(tickOffset + j), new HostTime(host), origin + (long)(j * period));
        }
    }

    [Theory]
    [InlineData(400, 80, 8, 0.8, 0.3)]
    [InlineData(30, -35, 1, 12, 1.5)]
    [InlineData(100, 12, 1, 3, 0.4)]
    public void Map_DriftingClockWithJitter_ErrorWithinBoundAndSmall(double rate, double ppm, int burst, double latencyMs, double jitterMs)
    {
        var mapper = new ClockMapper(new ClockMapperOptions { TickRateHz = rate }, Rig);
        int within = 0, total = 0;
        double worstAfterConvergence = 0;
        int n = (int)(rate * 60);
        foreach (var (sensor, host, trueNs) in Device(rate, ppm, burst, latencyMs, jitterMs, n))
        {
            var mapped = mapper.Map(sensor, host);
            // the envelope maps onto true time plus the smallest delivery delay (the fixed latency)
            double error = mapped.Time.Nanoseconds - Rig.RigOffsetNs - (trueNs + latencyMs * 1e6);
            total++;
            if (Math.Abs(error) <= mapped.ErrorBound.Nanoseconds) within++;
            else if (Environment.GetEnvironmentVariable("MAPPER_DEBUG") == "1") Console.WriteLine($"k={total} err={error / 1e3:0}us bound={mapped.ErrorBound.Nanoseconds / 1e3:0}us");
            if (total > rate * 10) worstAfterConvergence = Math.Max(worstAfterConvergence, Math.Abs(error));
        }
        Assert.True(within >= 0.99 * total, $"{within} of {total} within their bound");
        Assert.True(worstAfterConvergence < 0.5e6, $"worst error after 10 s: {worstAfterConvergence / 1e6:0.000} ms");
        Assert.InRange(mapper.DriftPpm, ppm - 5, ppm + 5);
    }

    [Fact]
    public void Map_NaiveHostStampsWouldBeWorse_EnvelopeBeatsArrivalTime()
    {
        var mapper = new ClockMapper(new ClockMapperOptions { TickRateHz = 400 }, Rig);
        double envelopeSum = 0, naiveSum = 0;
        int n = 0;
        foreach (var (sensor, host, trueNs) in Device(400, 80, 8, 0.8, 0.3, 400 * 30).Skip(4000))
        {
            var mapped = mapper.Map(sensor, host);
            envelopeSum += Math.Abs(mapped.Time.Nanoseconds - Rig.RigOffsetNs - (trueNs + 0.8e6));
            naiveSum += Math.Abs(host.Nanoseconds - (trueNs + 0.8e6));
            n++;
        }
        Assert.True(envelopeSum / n < naiveSum / n / 10, $"envelope {envelopeSum / n / 1e3:0} us vs arrival {naiveSum / n / 1e3:0} us");
    }

    [Fact]
    public void Map_CounterWraps_MappingStaysContinuous()
    {
        // an LD06-style millisecond stamp modulo 30 s, starting 1 s before the wrap
        var mapper = new ClockMapper(new ClockMapperOptions { TickRateHz = 1000, WrapModulus = 30_000 }, Rig);
        long previous = long.MinValue;
        for (int k = 0; k < 300; k++)
        {
            long ticks = (29_000 + k * 100) % 30_000;
            var host = new HostTime(1_000_000_000 + k * 100_000_000L + 2_000_000);
            var mapped = mapper.Map(new SensorTime(ticks), host);
            if (previous != long.MinValue)
                Assert.InRange(mapped.Time.Nanoseconds - previous, 99_000_000, 101_000_000);
            previous = mapped.Time.Nanoseconds;
        }
        Assert.Equal(0, mapper.Resets);
    }

    [Fact]
    public void Map_CounterRestarts_ResetsAndRecovers()
    {
        var mapper = new ClockMapper(new ClockMapperOptions { TickRateHz = 100 }, Rig);
        long host = 1_000_000_000;
        for (int k = 0; k < 200; k++, host += 10_000_000) mapper.Map(new SensorTime(50_000 + k), new HostTime(host));
        // the device rebooted: its counter starts again at zero
        RigTimestamp last = default;
        for (int k = 0; k < 50; k++, host += 10_000_000) last = mapper.Map(new SensorTime(k), new HostTime(host));
        Assert.Equal(1, mapper.Resets);
        Assert.InRange(last.Time.Nanoseconds - Rig.RigOffsetNs - (host - 10_000_000), -1_000_000, 1_000_000);
    }

    [Fact]
    public void Map_SensorClockJumpsAhead_Resets()
    {
        var mapper = new ClockMapper(new ClockMapperOptions { TickRateHz = 100 }, Rig);
        long host = 1_000_000_000;
        for (int k = 0; k < 200; k++, host += 10_000_000) mapper.Map(new SensorTime(k), new HostTime(host));
        RigTimestamp last = default;
        for (int k = 0; k < 50; k++, host += 10_000_000) last = mapper.Map(new SensorTime(10_000 + k), new HostTime(host));
        Assert.Equal(1, mapper.Resets);
        Assert.InRange(last.Time.Nanoseconds - Rig.RigOffsetNs - (host - 10_000_000), -1_000_000, 1_000_000);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(-1)]
    public void Map_OneSecondSensorClockStep_ResetsAndReconverges(int direction)
    {
        // a 1 kHz device clock steps by one second (e.g. it was re-synchronised); host time runs on
        var mapper = new ClockMapper(new ClockMapperOptions { TickRateHz = 1000 }, Rig);
        long host = 1_000_000_000, ticks = 5_000_000;
        for (int k = 0; k < 300; k++, host += 10_000_000, ticks += 10) mapper.Map(new SensorTime(ticks), new HostTime(host));
        ticks += direction * 1000;
        RigTimestamp last = default;
        for (int k = 0; k < 300; k++, host += 10_000_000, ticks += 10) last = mapper.Map(new SensorTime(ticks), new HostTime(host));
        Assert.Equal(1, mapper.Resets);
        long error = last.Time.Nanoseconds - Rig.RigOffsetNs - (host - 10_000_000);
        Assert.InRange(error, -100_000, 100_000);
        Assert.True(Math.Abs(error) <= last.ErrorBound.Nanoseconds);
    }

    [Fact]
    public void Map_FirstPair_HasWideBound()
    {
        var mapper = new ClockMapper(new ClockMapperOptions { TickRateHz = 30 }, Rig);
        var first = mapper.Map(new SensorTime(0), new HostTime(1_000_000_000));
        Assert.True(first.ErrorBound >= Duration.FromMilliseconds(1));
    }
}
