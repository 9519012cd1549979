using EdgeRig.Core;
using EdgeRig.Timing;

namespace EdgeRig.Benchmarks;

/// <summary>
/// `sync`: rig-time error against the simulator's truth for (a) sensor-clock streams through ClockMapper,
/// (b) naive arrival stamping and (c) kernel-stamped streams, over synthetic streams with ±50 ppm drift,
/// 5 µs rms sensor-timestamp noise, a constant latency (taken as known) plus one-way exponential jitter
/// (mean 2 ms) with occasional 20 ms stalls. Errors counted after the first 10 s of each stream.
/// </summary>
public static class SyncBench
{
    private sealed record StreamSpec(string Name, double RateHz, double DriftPpm, int Burst);

    private static readonly StreamSpec[] Streams =
    [
        new("camera30", 30, 50, 1),
        new("audio100", 100, -50, 1),
        new("imu400", 400, 35, 8),
        new("lidar10", 10, -20, 1),
    ];

    public static void Run(double seconds, BenchResults results)
    {
        var mapped = new List<double>();
        var naive = new List<double>();
        var kernel = new List<double>();
        var bounds = new List<double>();
        long covered = 0, total = 0;
        var rig = new FakeRigClock(rigOffsetNs: 0) { Bound = Duration.Zero };
        foreach (var spec in Streams)
        {
            var random = new Random(spec.Name.Length * 7919);
            const double latencyNs = 3e6, noiseNs = 5e3, jitterMeanNs = 2e6, stallNs = 20e6, stallProbability = 0.002, irqMeanNs = 5e3;
            var mapper = new ClockMapper(new ClockMapperOptions { TickRateHz = 1e6 }, rig); // the device stamps in its own microseconds
            double truePeriod = 1e9 / spec.RateHz / (1 + spec.DriftPpm * 1e-6);
            long origin = 10_000_000_000, tickOffset = 123_456_789;
            int count = (int)(seconds * spec.RateHz);
            for (int k = 0; k < count; k += spec.Burst)
            {
                double lastTrue = origin + (k + spec.Burst - 1) * truePeriod;
                double jitter = -Math.Log(1 - random.NextDouble()) * jitterMeanNs + (random.NextDouble() < stallProbability ? stallNs : 0);
                long arrival = (long)(lastTrue + latencyNs + jitter);
                for (int j = k; j < k + spec.Burst && j < count; j++)
                {
                    double trueNs = origin + j * truePeriod;
                    long ticks = tickOffset + (long)Math.Round(j * 1e6 / spec.RateHz + Gaussian(random) * noiseNs / 1e3);
                    var stamp = mapper.Map(new SensorTime(ticks), new HostTime(arrival));
                    long kernelStamp = (long)(trueNs + latencyNs - Math.Log(1 - random.NextDouble()) * irqMeanNs);
                    if (trueNs - origin < 10e9) continue;
                    // the envelope maps onto truth plus the constant latency (known here)
                    double errMapped = Math.Abs(stamp.Time.Nanoseconds - latencyNs - trueNs);
                    mapped.Add(errMapped);
                    naive.Add(Math.Abs(arrival - latencyNs - trueNs));
                    kernel.Add(Math.Abs(kernelStamp - latencyNs - trueNs));
                    total++;
                    if (errMapped <= stamp.ErrorBound.Nanoseconds) covered++;
                    bounds.Add(stamp.ErrorBound.Nanoseconds);
                }
            }
        }
        mapped.Sort();
        naive.Sort();
        kernel.Sort();
        foreach (var (q, name) in new[] { (0.5, "p50"), (0.99, "p99"), (1.0, "max") })
        {
            double a = Quantile(mapped, q) / 1e3, b = Quantile(naive, q) / 1e3, c = Quantile(kernel, q) / 1e3;
            results.Add("sync", $"mapper.{name}_error", a, "us", b);
            results.Add("sync", $"naive.{name}_error", b, "us", b);
            results.Add("sync", $"kernel.{name}_error", c, "us", b);
        }
        bounds.Sort();
        results.Add("sync", "mapper.bound_coverage", (double)covered / total, "share", 0.99);
        results.Add("sync", "mapper.p50_bound", Quantile(bounds, 0.5) / 1e3, "us", Quantile(mapped, 0.5) / 1e3);
        results.Add("sync", "mapper.p99_goal", Quantile(mapped, 0.99) / 1e3, "us", 50);
    }

    private static double Quantile(List<double> sorted, double q) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];

    private static double Gaussian(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
}
