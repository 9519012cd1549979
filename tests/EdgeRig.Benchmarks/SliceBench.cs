using System.Diagnostics;
using EdgeRig.Core;
using EdgeRig.Devices;
using EdgeRig.Devices.Simulation;
using EdgeRig.Recording;
using EdgeRig.Storage;
using EdgeRig.Timing;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeRig.Benchmarks;

/// <summary>
/// `slice`: the simulated default rig recorded into a LiteDB store. Baselines from the same run: each stream's
/// nominal rate, and the CPU and memory of the same rig capturing without recording. Then start-to-first-sample: from the
/// start returning to the first sample of every stream durable in the store, over alternating starts with the rig's first
/// flush and with the first flush equal to the flush interval (the behaviour before the first flush existed: the baseline).
/// </summary>
public static class SliceBench
{
    public static async Task RunAsync(string rigFile, double recordSeconds, double baselineSeconds, int starts, BenchResults results)
    {
        var rig = RigProfile.Load(rigFile);
        string dir = Path.Combine(Path.GetTempPath(), "edgerig-bench-" + Guid.NewGuid().ToString("N"));
        var clock = new SystemRigClock();
        var world = new SimulatedWorld(rig.World, clock);
        var sensors = SimulatedRig.Create(rig, world, clock);
        using var store = new LiteDbSessionStore(dir);
        var streams = sensors.SelectMany(s => s.Streams).ToList();
        var pipeline = new RecordingPipeline(rig, streams, store, clock, TimeProvider.System, RecordingCollaborators.None, NullLogger<RecordingPipeline>.Instance);
        // the same rig without the short first flush, fed the same samples (start latency's baseline)
        var slowFirst = rig with { Recording = rig.Recording with { FirstFlushSeconds = rig.Recording.FlushIntervalSeconds } };
        var baselinePipeline = new RecordingPipeline(slowFirst, streams, store, clock, TimeProvider.System, RecordingCollaborators.None,
            NullLogger<RecordingPipeline>.Instance);
        var self = Process.GetCurrentProcess();
        try
        {
            var sink = new FanOutSink(pipeline, baselinePipeline);
            foreach (var s in sensors) await s.StartAsync(sink, CancellationToken.None);
            await Task.Delay(TimeSpan.FromSeconds(2)); // warm-up: JIT, first mappings

            Console.Error.WriteLine($"slice: capture only for {baselineSeconds} s (baseline)...");
            double cpuCaptureOnly = await CpuPerSecond(self, baselineSeconds);
            long rssCaptureOnly = PeakRss();

            Console.Error.WriteLine($"slice: recording for {recordSeconds} s...");
            var session = await pipeline.StartAsync("bench", "bench", new Dictionary<string, string>());
            var sw = Stopwatch.StartNew();
            double cpuRecording = await CpuPerSecond(self, recordSeconds);
            var record = await pipeline.StopAsync();
            double wall = sw.Elapsed.TotalSeconds;
            long rssRecording = PeakRss();
            await StartLatencyAsync(pipeline, baselinePipeline, store, starts, results);

            var chunks = store.ListChunks(session.Id);
            long totalRecorded = 0, totalDropped = 0;
            foreach (var d in pipeline.Streams)
            {
                var c = record.Counts[d.Id.Value];
                totalRecorded += c.Recorded;
                totalDropped += c.Dropped;
                string name = d.Id.Value;
                results.Add("slice", $"{name}.produced", c.Produced, "samples", c.Produced);
                results.Add("slice", $"{name}.recorded", c.Recorded, "samples", c.Produced);
                results.Add("slice", $"{name}.dropped", c.Dropped, "samples", c.Produced);
                if (d.NominalRateHz > 0)
                {
                    var mine = chunks.Where(x => x.Stream == d.Id).ToList();
                    // effective rate: samples over the rig-time span they cover (first to last sample)
                    double span = (mine.Max(x => x.LastRigTime) - mine.Min(x => x.FirstRigTime)).TotalSeconds;
                    double rate = (c.Recorded - 1) / span;
                    results.Add("slice", $"{name}.rate_hz", rate, "Hz", d.NominalRateHz);
                }
            }
            results.Add("slice", "all.dropped", totalDropped, "samples", totalRecorded + totalDropped);
            results.Add("slice", "cpu_s_per_recorded_s", cpuRecording, "cpu-s/s", cpuCaptureOnly);
            results.Add("slice", "peak_rss", rssRecording / 1048576.0, "MiB", rssCaptureOnly / 1048576.0);
            // the rig's demand on the disk, against what the same disk takes in plain sequential writes
            results.Add("slice", "store_write_rate", record.StoredBytes / 1048576.0 / wall, "MiB/s", DiskWriteMiBPerSecond(dir));
            long fileBytes = new FileInfo(store.SessionFilePath(session.Id)).Length;
            results.Add("slice", "session_file_overhead", fileBytes / 1048576.0, "MiB", record.StoredBytes / 1048576.0);
        }
        finally
        {
            foreach (var s in sensors) await s.DisposeAsync();
            store.Dispose();
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// Milliseconds from each start returning to the first sample of every stream with a rate listed by the store (chunks are
    /// durable when listed), p50 and p99 (nearest rank: of 20 starts, the slowest) with and without the short first flush,
    /// the two alternating, each session stopped before the next start.
    /// </summary>
    private static async Task StartLatencyAsync(RecordingPipeline pipeline, RecordingPipeline baselinePipeline, LiteDbSessionStore store, int starts,
        BenchResults results)
    {
        Console.Error.WriteLine($"slice: {starts} starts to the first sample of every stream, with and without the first flush...");
        var wanted = pipeline.Streams.Where(d => d.NominalRateHz > 0).Select(d => d.Id).ToHashSet();
        var quick = new List<double>();
        var slow = new List<double>();
        for (int i = 0; i < starts; i++)
        {
            bool quickFirst = i % 2 == 0;
            (quickFirst ? quick : slow).Add(await TimeToFirstSamples(quickFirst ? pipeline : baselinePipeline));
            (quickFirst ? slow : quick).Add(await TimeToFirstSamples(quickFirst ? baselinePipeline : pipeline));
        }
        results.Add("slice", "start_to_first_sample_p50", Percentile(quick, 0.5), "ms", Percentile(slow, 0.5));
        results.Add("slice", "start_to_first_sample_p99", Percentile(quick, 0.99), "ms", Percentile(slow, 0.99));

        async Task<double> TimeToFirstSamples(RecordingPipeline p)
        {
            var session = await p.StartAsync("latency", "bench", new Dictionary<string, string>());
            var sw = Stopwatch.StartNew();
            while (!wanted.IsSubsetOf(store.ListChunks(session.Id).Select(c => c.Stream)))
            {
                if (sw.Elapsed > TimeSpan.FromSeconds(10)) throw new TimeoutException($"session {session.Id}: no sample of some stream stored after 10 s");
                await Task.Delay(1);
            }
            double ms = sw.Elapsed.TotalMilliseconds;
            await p.StopAsync();
            return ms;
        }
    }

    /// <summary>The nearest-rank percentile.</summary>
    private static double Percentile(List<double> values, double q)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Max(0, (int)Math.Ceiling(q * sorted.Count) - 1)];
    }

    /// <summary>Hands every sample to each of its sinks (two pipelines, one recording at a time).</summary>
    private sealed class FanOutSink(params ISampleSink[] sinks) : ISampleSink
    {
        public void Publish(Sample sample)
        {
            foreach (var s in sinks) s.Publish(sample);
        }
    }

    /// <summary>Process CPU seconds per wall second over the interval.</summary>
    private static async Task<double> CpuPerSecond(Process self, double seconds)
    {
        self.Refresh();
        var cpu0 = self.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        self.Refresh();
        return (self.TotalProcessorTime - cpu0).TotalSeconds / sw.Elapsed.TotalSeconds;
    }

    /// <summary>Sequential write speed of the data directory's disk: 256 MiB in 4 MiB blocks, then fsync.</summary>
    private static double DiskWriteMiBPerSecond(string dir)
    {
        string path = Path.Combine(dir, "disk-speed.tmp");
        var block = new byte[4 * 1024 * 1024];
        Random.Shared.NextBytes(block);
        var sw = Stopwatch.StartNew();
        using (var f = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            for (int i = 0; i < 64; i++) f.Write(block);
            f.Flush(flushToDisk: true);
        }
        double rate = 256 / sw.Elapsed.TotalSeconds;
        File.Delete(path);
        return rate;
    }

    /// <summary>Peak resident set size so far (VmHWM).</summary>
    private static long PeakRss()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        return Process.GetCurrentProcess().PeakWorkingSet64;
    }
}
