using System.Buffers.Binary;
using EdgeRig.Core;
using EdgeRig.Formats;

namespace EdgeRig.Export.Tests.SessionMcap;

/// <summary>A small pulled-session folder built from scratch: five streams (one per modality) in several chunks, and two markers.</summary>
internal sealed class SyntheticSessionFolder : IDisposable
{
    public const long StartNs = 1_750_000_000_000_000_000;
    public const int MicFrames = 480, MicChannels = 2, LidarPoints = 12;

    /// <summary>Samples per stream, and how many go into each chunk.</summary>
    public static readonly IReadOnlyDictionary<string, (int Count, int PerChunk, long PeriodNs)> Plan = new Dictionary<string, (int, int, long)>
    {
        ["cam0"] = (30, 7, 33_333_333),
        ["mic0"] = (100, 25, 10_000_000),
        ["lidar0"] = (10, 4, 100_000_000),
        ["imu0"] = (400, 128, 2_500_000),
        ["button0"] = (3, 2, 300_000_000),
    };

    public SyntheticSessionFolder()
    {
        Folder = Path.Combine(Path.GetTempPath(), $"edgerig-export-test-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Folder);
        var streams = new List<ManifestStream>
        {
            Stream("cam0", "camera", Encodings.Jpeg, 30, new() { ["width"] = "64", ["height"] = "48" }),
            Stream("mic0", "audio", Encodings.PcmS16Le, 100, new() { ["sampleRate"] = "48000", ["channels"] = "2" }),
            Stream("lidar0", "lidar", Encodings.LidarScan, 10, new()),
            Stream("imu0", "imu", Encodings.Imu6, 400, new()),
            Stream("button0", "gpio", Encodings.GpioEdge, 0, new()),
        };
        var chunks = new List<ManifestChunk>();
        foreach (var s in streams.OrderBy(s => s.Id, StringComparer.Ordinal))
        {
            var (count, perChunk, period) = Plan[s.Id];
            var samples = Enumerable.Range(0, count).Select(i => MakeSample(s.Id, i, period)).ToList();
            for (int index = 0; index * perChunk < count; index++)
            {
                var (info, stored) = ChunkFormat.Encode(s.ToDescriptor(), samples.Skip(index * perChunk).Take(perChunk).ToList(), index);
                string file = ManifestChunk.RelativePath(s.Id, index);
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(Folder, file))!);
                File.WriteAllBytes(Path.Combine(Folder, file), stored);
                chunks.Add(new ManifestChunk(chunks.Count, s.Id, index, info.FirstSequence, info.LastSequence, info.Count, info.FirstRigTime.Nanoseconds,
                    info.LastRigTime.Nanoseconds, info.Codec.ToString(), info.RawLength, info.StoredLength, info.Crc32C, info.Sha256Hex, file));
            }
        }
        var counts = Plan.ToDictionary(kv => kv.Key, kv => new ManifestCounts(kv.Value.Count, kv.Value.Count, 0, 0));
        var markers = new List<ManifestMarker> { new(StartNs + 500_000_000, "door opened", "test", "user"), new(StartNs + 150_000_000, "button", "", "gpio") };
        var session = new ManifestSession("20260101-000000-abcd", "synthetic", "ana", new Dictionary<string, string> { ["site"] = "lab" },
            StartNs, StartNs + 1_000_000_000, "Complete", "sim-test", "stopped by user");
        Manifest = new PulledSessionManifest(PulledSessionManifest.FormatName, session, streams, counts, markers, chunks,
            SessionHash.Compute(chunks.Select(c => (c.Stream, c.Index, c.Sha256))), DateTimeOffset.UnixEpoch);
        Manifest.Save(Folder);
    }

    public string Folder { get; }

    public PulledSessionManifest Manifest { get; }

    public string ChunkPath(string stream, int index) => Path.Combine(Folder, ManifestChunk.RelativePath(stream, index));

    /// <summary>Rig time of sample i of a stream: the streams interleave and every stream starts at a different offset.</summary>
    public static long RigNs(string stream, int i) => StartNs + 1_000_000 * (stream.Length % 5) + i * Plan[stream].PeriodNs;

    public void Dispose() => Directory.Delete(Folder, recursive: true);

    private static ManifestStream Stream(string id, string modality, string encoding, double rate, Dictionary<string, string> parameters) =>
        new(id, modality, encoding, rate, "", id + "-dev", id + "_link", 1e9, "SensorClock", 0, 0, parameters);

    private static Sample MakeSample(string stream, int i, long period)
    {
        long rig = RigNs(stream, i);
        byte[] payload = stream switch
        {
            "cam0" => [0xFF, 0xD8, 0xFF, 0xE0, (byte)i, 0xFF, 0xD9],
            "mic0" => Enumerable.Range(0, MicFrames * MicChannels * 2).Select(b => (byte)(b + i)).ToArray(),
            "lidar0" => Lidar(i),
            "imu0" => Floats(0.1f * i, 0, 9.81f, 0, 0, 0.01f * i),
            _ => [4, (byte)(i % 2)],
        };
        return new Sample(new StreamId(stream), i, new SensorTime(i), new HostTime(rig - StartNs + 5_000), new RigTimestamp(new RigTime(rig), Duration.FromMicroseconds(50)), payload);
    }

    private static byte[] Lidar(int scan)
    {
        var bytes = new byte[LidarPoints * 13];
        for (int p = 0; p < LidarPoints; p++)
        {
            var span = bytes.AsSpan(p * 13);
            BinaryPrimitives.WriteSingleLittleEndian(span, (float)(2 * Math.PI * p / LidarPoints));
            BinaryPrimitives.WriteSingleLittleEndian(span[4..], 1.5f + p + scan);
            span[8] = (byte)(10 * p);
            BinaryPrimitives.WriteUInt32LittleEndian(span[9..], (uint)(p * 1000));
        }
        return bytes;
    }

    private static byte[] Floats(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        return bytes;
    }
}
