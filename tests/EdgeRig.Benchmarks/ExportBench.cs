using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using EdgeRig.Core;
using EdgeRig.Export.Mcap;
using EdgeRig.Export.SessionMcap;
using EdgeRig.Formats;

namespace EdgeRig.Benchmarks;

/// <summary>
/// MCAP export throughput of a synthetic, camera-heavy pulled session (~200 MB: two 30 fps cameras with 100 kB incompressible
/// "JPEGs", 48 kHz stereo audio, a 400 Hz IMU) against, in the same run, (a) a raw read of the same chunk files and (b) @mcap/core
/// writing messages of the same sizes in Node (tests/node/write-mcap-bench.mjs). MB/s of stored session bytes; medians of 3 runs.
/// </summary>
public static class ExportBench
{
    private const int Runs = 3, FrameBytes = 100_000;

    public static void Run(string repoRoot, double seconds, BenchResults results)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"edgerig-bench-export-{Guid.NewGuid():N}");
        try
        {
            var (folder, sizes) = BuildSession(dir, seconds);
            var manifest = PulledSessionManifest.Load(folder);
            double storedMb = manifest.Chunks.Sum(c => (long)c.StoredLength) / 1e6;
            Console.WriteLine($"export: synthetic session {storedMb:0.0} MB in {manifest.Chunks.Count} chunks, {sizes.Count} messages; zstd by {McapWriter.ZstdImplementation}");
            string sizesFile = Path.Combine(dir, "sizes.json");
            File.WriteAllText(sizesFile, JsonSerializer.Serialize(new { topics = sizes.Select(s => s.Topic).Distinct().Order(StringComparer.Ordinal).ToArray(),
                messages = sizes.Select(s => new long[] { TopicIndex(sizes, s.Topic), s.Bytes, s.LogTimeNs }).ToArray() }));

            var raw = new List<double>();
            var none = new List<double>();
            var zstd = new List<double>();
            var node = new List<double>();
            for (int run = 0; run < Runs; run++)
            {
                raw.Add(storedMb / Time(() => RawRead(folder, manifest)));
                // Every writer writes a new file, and after each run (untimed) its file is flushed to disk and deleted: the next
                // run then starts with no write-back of the last one's 200 MB pending, a cost of this machine's disk that fell on
                // whichever writer came next (@mcap/core measured 145-185 MB/s in the bench against 255-385 alone).
                none.Add(storedMb / Time(() => Export(folder, Settled(dir, "none", run), McapCompression.None)));
                Settle(dir, "none", run);
                zstd.Add(storedMb / Time(() => Export(folder, Settled(dir, "zstd", run), McapCompression.Zstd)));
                Settle(dir, "zstd", run);
                double nodeSeconds = NodeSeconds(repoRoot, sizesFile, Settled(dir, "node", run));
                Settle(dir, "node", run);
                node.Add(storedMb / nodeSeconds);
                Console.Error.WriteLine($"export: run {run + 1}: raw read {raw[^1]:0} MB/s, none {none[^1]:0}, zstd {zstd[^1]:0}, @mcap/core {node[^1]:0}");
            }
            results.Add("export", "raw-read-MB/s", Median(raw), "MB/s", 0);
            results.Add("export", "mcap-none-MB/s-vs-raw", Median(none), "MB/s", Median(raw));
            results.Add("export", "mcap-zstd-MB/s-vs-raw", Median(zstd), "MB/s", Median(raw));
            results.Add("export", "mcap-none-MB/s-vs-node", Median(none), "MB/s", Median(node));
            results.Add("export", "mcap-zstd-MB/s-vs-node", Median(zstd), "MB/s", Median(node));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The output file of one writer's run.</summary>
    private static string Settled(string dir, string writer, int run) => Path.Combine(dir, $"{writer}-{run}.mcap");

    /// <summary>Flushes a run's output to disk and deletes it, outside the timed part.</summary>
    private static void Settle(string dir, string writer, int run)
    {
        string file = Settled(dir, writer, run);
        using (var written = new FileStream(file, FileMode.Open, FileAccess.ReadWrite)) written.Flush(flushToDisk: true);
        File.Delete(file);
    }

    private static int TopicIndex(List<(string Topic, int Bytes, long LogTimeNs)> sizes, string topic) =>
        Array.IndexOf(sizes.Select(s => s.Topic).Distinct().Order(StringComparer.Ordinal).ToArray(), topic);

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static double Time(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalSeconds;
    }

    private static void RawRead(string folder, PulledSessionManifest manifest)
    {
        long total = 0;
        foreach (var c in manifest.Chunks) total += File.ReadAllBytes(Path.Combine(folder, c.File)).Length;
        if (total == 0) throw new InvalidOperationException("nothing read");
    }

    private static void Export(string folder, string file, McapCompression compression)
    {
        using var output = File.Create(file);
        var result = SessionMcapExporter.Export(new PulledFolderSessionSource(folder), output, new SessionMcapOptions { Compression = compression });
        if (!result.Complete) throw new InvalidOperationException("benchmark session exported incomplete");
    }

    private static double NodeSeconds(string repoRoot, string sizesFile, string outFile)
    {
        var start = new ProcessStartInfo("node", [Path.Combine(repoRoot, "tests", "node", "write-mcap-bench.mjs"), sizesFile, outFile, (1024 * 1024).ToString(CultureInfo.InvariantCulture)])
            { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start node");
        string stdout = process.StandardOutput.ReadToEnd(), stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"write-mcap-bench.mjs failed: {stderr}");
        return JsonDocument.Parse(stdout).RootElement.GetProperty("seconds").GetDouble();
    }

    /// <summary>Writes the synthetic pulled folder; returns it and, per sample in rig-time order, its topic, payload size and time.</summary>
    private static (string Folder, List<(string Topic, int Bytes, long LogTimeNs)> Sizes) BuildSession(string dir, double seconds)
    {
        const long start = 1_750_000_000_000_000_000;
        string folder = Path.Combine(dir, "20260101-000000-bench");
        Directory.CreateDirectory(folder);
        var random = new Random(7);
        var plan = new (string Id, Modality Modality, string Encoding, double Rate, int Bytes, int PerChunk, Dictionary<string, string> Parameters)[]
        {
            ("cam0", Modality.Camera, Encodings.Jpeg, 30, FrameBytes, 40, new() { ["width"] = "1280", ["height"] = "720" }),
            ("cam1", Modality.Camera, Encodings.Jpeg, 30, FrameBytes, 40, new() { ["width"] = "1280", ["height"] = "720" }),
            ("imu0", Modality.Imu, Encodings.Imu6, 400, 24, 200, new()),
            ("mic0", Modality.Audio, Encodings.PcmS16Le, 100, 1920, 50, new() { ["sampleRate"] = "48000", ["channels"] = "2" }),
        };
        var streams = plan.Select(p => new ManifestStream(p.Id, p.Modality.ToString(), p.Encoding, p.Rate, "", p.Id, p.Id, p.Rate, "SensorClock", 0, 0, p.Parameters)).ToList();
        var chunks = new List<ManifestChunk>();
        var sizes = new List<(string Topic, int Bytes, long LogTimeNs)>();
        var counts = new Dictionary<string, ManifestCounts>();
        foreach (var (p, stream) in plan.Zip(streams))
        {
            int n = (int)(seconds * p.Rate);
            counts[p.Id] = new ManifestCounts(n, n, 0, 0);
            var samples = Enumerable.Range(0, n).Select(i =>
            {
                var payload = new byte[p.Bytes];
                random.NextBytes(payload);
                if (p.Encoding == Encodings.Jpeg) { payload[0] = 0xFF; payload[1] = 0xD8; payload[^2] = 0xFF; payload[^1] = 0xD9; }
                long rig = start + (long)(i * 1e9 / p.Rate);
                sizes.Add(("/" + p.Id, p.Bytes, rig));
                return new Sample(new StreamId(p.Id), i, new SensorTime(i), new HostTime(rig - start), new RigTimestamp(new RigTime(rig), Duration.FromMicroseconds(50)), payload);
            }).ToList();
            for (int index = 0; index * p.PerChunk < n; index++)
            {
                var (info, stored) = ChunkFormat.Encode(stream.ToDescriptor(), samples.Skip(index * p.PerChunk).Take(p.PerChunk).ToList(), index);
                string file = ManifestChunk.RelativePath(p.Id, index);
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(folder, file))!);
                File.WriteAllBytes(Path.Combine(folder, file), stored);
                chunks.Add(new ManifestChunk(chunks.Count, p.Id, index, info.FirstSequence, info.LastSequence, info.Count, info.FirstRigTime.Nanoseconds,
                    info.LastRigTime.Nanoseconds, info.Codec.ToString(), info.RawLength, info.StoredLength, info.Crc32C, info.Sha256Hex, file));
            }
        }
        var session = new ManifestSession("20260101-000000-bench", "bench", "bench", new Dictionary<string, string>(), start, start + (long)(seconds * 1e9), "Complete", "bench", "");
        new PulledSessionManifest(PulledSessionManifest.FormatName, session, streams, counts, [], chunks,
            SessionHash.Compute(chunks.Select(c => (c.Stream, c.Index, c.Sha256))), DateTimeOffset.UnixEpoch).Save(folder);
        return (folder, sizes.OrderBy(s => s.LogTimeNs).ThenBy(s => s.Topic, StringComparer.Ordinal).ToList());
    }
}
