using System.Diagnostics;
using EdgeRig.Core;
using EdgeRig.Storage;

namespace EdgeRig.Benchmarks;

/// <summary>
/// `store`: ingest throughput of the session store. (1) A camera-heavy mix (4 cameras of ~200 KB JPEG frames
/// at 30 fps, 2-channel 48 kHz audio, 1 kHz IMU, 10 Hz LIDAR) pushed as fast as it goes, in half-second
/// transactions, against a raw sequential write of the same payload bytes in the same batches (one gather write
/// and one fdatasync per batch), to the same disk in the same run, alternating raw and store three times and
/// taking medians (this disk is shared and noisy). (2) IMU-sized samples, samples per second.
/// </summary>
public static class StoreBench
{
    public static void Run(Func<string, ISessionStore> open, string label, double seconds, BenchResults results, int smallSamples = 1_000_000)
    {
        string dir = Path.Combine(Path.GetTempPath(), "edgerig-storebench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var batches = CameraHeavyMix(seconds);
            long bytes = batches.Sum(b => b.Sum(c => c.Samples.Sum(s => (long)s.Payload.Length)));
            var raws = new List<double>();
            var stores = new List<double>();
            for (int round = 0; round < 3; round++)
            {
                raws.Add(RawWrite(Path.Combine(dir, $"raw{round}.bin"), batches));
                File.Delete(Path.Combine(dir, $"raw{round}.bin"));
                using var s = open(Path.Combine(dir, $"store{round}"));
                var session = NewSession("mix");
                s.CreateSession(session, batches[0].Select(b => b.Descriptor).ToList());
                var sw = Stopwatch.StartNew();
                foreach (var batch in batches) s.WriteChunks(session.Id, batch);
                stores.Add(bytes / 1048576.0 / sw.Elapsed.TotalSeconds);
            }
            results.Add("store", $"{label}.mix_ingest", Median(stores), "MiB/s", Median(raws));

            using (var s = open(Path.Combine(dir, "small")))
            {
                var imu = new StreamDescriptor(new StreamId("imu0"), Modality.Imu, Encodings.Imu6, 1000, "", "imu0", "imu0");
                var session = NewSession("small");
                s.CreateSession(session, [imu]);
                int perBatch = Math.Max(1, smallSamples / 20);
                var small = Enumerable.Range(0, 20).Select(b => new[] { new ChunkBatch(imu, Samples(imu, b * (long)perBatch, perBatch, 24)) }).ToList();
                var sw = Stopwatch.StartNew();
                foreach (var batch in small) s.WriteChunks(session.Id, batch);
                double perSecond = 20.0 * perBatch / sw.Elapsed.TotalSeconds;
                results.Add("store", $"{label}.small_samples", perSecond, "samples/s", 20.0 * perBatch);

                // what an acknowledged metadata write costs: a marker (journaled and fdatasync'd before it returns) against
                // a counts update (journaled, not synced), alternating, medians of 100 each
                var markers = new List<double>();
                var counts = new List<double>();
                var tally = new Dictionary<string, StreamCounts> { ["imu0"] = new(1, 1, 0, 0) };
                for (int i = 0; i < 100; i++)
                {
                    sw.Restart();
                    s.AddMarker(session.Id, new Marker(new RigTime(i), $"m{i}"));
                    markers.Add(sw.Elapsed.TotalMilliseconds);
                    sw.Restart();
                    s.UpdateCounts(session.Id, tally);
                    counts.Add(sw.Elapsed.TotalMilliseconds);
                }
                results.Add("store", $"{label}.synced_marker_ms", Median(markers), "ms", Median(counts));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static Session NewSession(string id) =>
        new(id, id, "bench", new Dictionary<string, string>(), new RigTime(1), null, SessionState.Recording, "bench");

    /// <summary>Half-second batches: per stream one chunk (cameras split at 4 MiB).</summary>
    private static List<ChunkBatch[]> CameraHeavyMix(double seconds)
    {
        var random = new Random(1);
        var jpeg = new byte[200_000];
        random.NextBytes(jpeg); // JPEG data is close to incompressible
        jpeg[0] = 0xFF; jpeg[1] = 0xD8;
        var cams = Enumerable.Range(0, 4).Select(i => new StreamDescriptor(new StreamId($"cam{i}"), Modality.Camera, Encodings.Jpeg, 30, "", $"cam{i}", "c")).ToList();
        var mic = new StreamDescriptor(new StreamId("mic0"), Modality.Audio, Encodings.PcmS16Le, 100, "", "mic0", "m");
        var imu = new StreamDescriptor(new StreamId("imu0"), Modality.Imu, Encodings.Imu6, 1000, "", "imu0", "i");
        var lidar = new StreamDescriptor(new StreamId("lidar0"), Modality.Lidar, Encodings.LidarScan, 10, "", "lidar0", "l");
        var pcm = new byte[1920];
        for (int i = 0; i < pcm.Length; i += 2) BitConverter.TryWriteBytes(pcm.AsSpan(i), (short)(1000 * Math.Sin(i * 0.05)));
        var scan = new byte[450 * 13];
        random.NextBytes(scan);
        var batches = new List<ChunkBatch[]>();
        for (int b = 0; b < seconds * 2; b++)
        {
            var list = new List<ChunkBatch>();
            foreach (var cam in cams)
            {
                var frames = Samples(cam, b * 15L, 15, 0, jpeg);
                foreach (var part in frames.Chunk(20)) list.Add(new ChunkBatch(cam, part));
            }
            list.Add(new ChunkBatch(mic, Samples(mic, b * 50L, 50, 0, pcm)));
            list.Add(new ChunkBatch(imu, Samples(imu, b * 500L, 500, 24)));
            list.Add(new ChunkBatch(lidar, Samples(lidar, b * 5L, 5, 0, scan)));
            batches.Add(list.ToArray());
        }
        return batches;
    }

    private static Sample[] Samples(StreamDescriptor d, long first, int count, int size, byte[]? payload = null) =>
        Enumerable.Range(0, count).Select(i => new Sample(d.Id, first + i, new SensorTime(first + i), new HostTime((first + i) * 1_000_000),
            new RigTimestamp(new RigTime(1_700_000_000_000_000_000 + (first + i) * 1_000_000), new Duration(5000)),
            payload ?? BitConverter.GetBytes((double)(first + i)).Concat(new byte[size - 8]).ToArray())).ToArray();

    /// <summary>The same payload bytes written sequentially in the same batches (one gather write and fdatasync each); MiB/s.</summary>
    private static double RawWrite(string path, List<ChunkBatch[]> batches)
    {
        long bytes = 0;
        var sw = Stopwatch.StartNew();
        using (var handle = File.OpenHandle(path, FileMode.Create, FileAccess.Write))
        {
            foreach (var batch in batches)
            {
                var payloads = batch.SelectMany(c => c.Samples).Select(s => s.Payload).ToList();
                RandomAccess.Write(handle, payloads, bytes);
                bytes += payloads.Sum(p => (long)p.Length);
                RandomAccess.FlushToDisk(handle);
            }
        }
        return bytes / 1048576.0 / sw.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}
