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
/// `soak`: the default simulated rig recorded for N minutes (10 by default) at nominal rates: drops, and resident
/// memory at 1, 5 and 10 minutes against the 150 MB goal and against the RSS after the first minute (flatness).
/// </summary>
public static class SoakBench
{
    public static async Task RunAsync(string rigFile, double minutes, BenchResults results)
    {
        var rig = RigProfile.Load(rigFile);
        string dir = Path.Combine(Path.GetTempPath(), "edgerig-soak-" + Guid.NewGuid().ToString("N"));
        var clock = new SystemRigClock();
        var sensors = SimulatedRig.Create(rig, new SimulatedWorld(rig.World, clock), clock);
        using var store = new LiteDbSessionStore(dir, new SessionStoreOptions { FreeSpaceReserveBytes = 512L << 20 });
        // as in the service: the QA analysis sees every recorded sample (JPEGs decoded at 1/8 size)
        var pipeline = new RecordingPipeline(rig, sensors.SelectMany(s => s.Streams).ToList(), store, clock, TimeProvider.System,
            RecordingCollaborators.None with { Lifecycle = new QaObserverOnly(rig) }, NullLogger<RecordingPipeline>.Instance);
        try
        {
            foreach (var s in sensors) await s.StartAsync(pipeline, CancellationToken.None);
            await pipeline.StartAsync("soak", "bench", new Dictionary<string, string>());
            var checkpoints = new[] { 1.0, 5.0, 10.0 }.Where(m => m <= minutes).Append(minutes).Distinct().ToList();
            var sw = Stopwatch.StartNew();
            double firstRss = 0;
            foreach (var m in checkpoints)
            {
                var wait = TimeSpan.FromMinutes(m) - sw.Elapsed;
                if (wait > TimeSpan.Zero) await Task.Delay(wait);
                double rss = CurrentRssMiB();
                if (firstRss == 0) firstRss = rss;
                var gc = GC.GetGCMemoryInfo();
                Console.Error.WriteLine($"soak: {m:0.#} min, RSS {rss:0.0} MiB = anon {ReadStatus("RssAnon:") / 1024.0:0.0} + file {ReadStatus("RssFile:") / 1024.0:0.0} MiB (GC heap {gc.HeapSizeBytes / 1048576.0:0.0} MiB, committed {gc.TotalCommittedBytes / 1048576.0:0.0} MiB, fragmented {gc.FragmentedBytes / 1048576.0:0.0} MiB)");
                results.Add("soak", $"gc_committed_at_{m:0.#}min", gc.TotalCommittedBytes / 1048576.0, "MiB", rss);
                results.Add("soak", $"rss_at_{m:0.#}min", rss, "MiB", 150 / 1.048576);
                // anonymous memory (heaps: managed and native) against file-backed pages (the runtime's and OpenCV's code mapped in)
                results.Add("soak", $"rss_anon_at_{m:0.#}min", ReadStatus("RssAnon:") / 1024.0, "MiB", rss);
                if (Environment.GetEnvironmentVariable("EDGERIG_SOAK_LIVE") == "1")
                {
                    // diagnostic only (after the RSS was read): what of the managed heap is live, and where the LiteDB caches are
                    GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                    var live = GC.GetGCMemoryInfo(GCKind.FullBlocking);
                    Console.Error.WriteLine($"soak: live after a full GC {live.HeapSizeBytes / 1048576.0:0.0} MiB (gen2 {live.GenerationInfo[2].SizeAfterBytes / 1048576.0:0.0}, LOH {live.GenerationInfo[3].SizeAfterBytes / 1048576.0:0.0})");
                }
            }
            results.Add("soak", "rss_growth_after_1min", CurrentRssMiB(), "MiB", firstRss);
            var record = await pipeline.StopAsync();
            long dropped = record.Counts.Values.Sum(c => c.Dropped), produced = record.Counts.Values.Sum(c => c.Produced);
            results.Add("soak", "dropped", dropped, "samples", produced);
            results.Add("soak", "peak_rss", PeakRssMiB(), "MiB", 150 / 1.048576);
        }
        finally
        {
            foreach (var s in sensors) await s.DisposeAsync();
            store.Dispose();
            Directory.Delete(dir, recursive: true);
        }
    }

    private static double CurrentRssMiB() => ReadStatus("VmRSS:") / 1024.0;

    private static double PeakRssMiB() => ReadStatus("VmHWM:") / 1024.0;

    private static long ReadStatus(string key) =>
        long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith(key, StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
}

/// <summary>The QA analysis of each session, as the service feeds it, without storing a report at the end.</summary>
internal sealed class QaObserverOnly(RigProfile rig) : ISessionLifecycle
{
    public ISessionObserver? Starting(Session session, IReadOnlyList<StreamDescriptor> streams) =>
        new EdgeRig.Service.Quality.SessionQaReports.Observer(new EdgeRig.Quality.SessionQa(streams, rig.Qa, session.Start));

    public void Finished(SessionRecord record, ISessionObserver? observer) { }
}
