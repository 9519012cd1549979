using System.Buffers.Binary;
using EdgeRig.Core;
using EdgeRig.Formats;

namespace EdgeRig.Export.Tests.Golden;

/// <summary>
/// A fixed pulled session, the same bytes on every machine: two cameras with partly compressible frames large enough for several
/// MCAP chunks, audio, IMU, LIDAR and GPIO, three markers, a QA report, one chunk the rig could not deliver and one chunk file
/// damaged after the pull. Payloads come from a SplitMix64 generator with fixed seeds (not <see cref="Random"/>, whose seeded
/// sequence .NET does not promise to keep), so the export digests in <see cref="GoldenExportTests"/> depend only on the code.
/// </summary>
internal sealed class GoldenSessionFolder : IDisposable
{
    public const long StartNs = 1_760_000_000_123_456_789;
    public const string SessionId = "20260301-120000-g01d";

    /// <summary>Stream, encoding, samples, samples per chunk, period.</summary>
    private static readonly (string Id, string Modality, string Encoding, int Count, int PerChunk, long PeriodNs, Dictionary<string, string> Parameters)[] Plan =
    [
        ("button0", "gpio", Encodings.GpioEdge, 7, 3, 290_000_000, new()),
        ("cam0", "camera", Encodings.Jpeg, 60, 13, 33_333_333, new() { ["width"] = "1280", ["height"] = "720" }),
        ("cam1", "camera", Encodings.Jpeg, 58, 11, 34_482_758, new() { ["width"] = "640", ["height"] = "480" }),
        ("imu0", "imu", Encodings.Imu6, 800, 150, 2_500_000, new()),
        ("lidar0", "lidar", Encodings.LidarScan, 20, 6, 100_000_000, new()),
        ("mic0", "audio", Encodings.PcmS16Le, 200, 40, 10_000_000, new() { ["sampleRate"] = "48000", ["channels"] = "2" }),
    ];

    public GoldenSessionFolder()
    {
        Folder = Path.Combine(Path.GetTempPath(), $"edgerig-golden-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Folder);
        var streams = Plan.Select(p => new ManifestStream(p.Id, p.Modality, p.Encoding, 1e9 / p.PeriodNs, "", p.Id + "-dev", p.Id + "_link", 1e9,
            "SensorClock", 0, 1_000 * p.Id.Length, p.Parameters)).ToList();
        var chunks = new List<ManifestChunk>();
        var missing = new List<ManifestMissingChunk>();
        foreach (var (p, stream) in Plan.Zip(streams))
        {
            var random = new SplitMix64(Seed(p.Id));
            var samples = Enumerable.Range(0, p.Count).Select(i => MakeSample(p.Id, p.Encoding, i, p.PeriodNs, random)).ToList();
            for (int index = 0; index * p.PerChunk < p.Count; index++)
            {
                var (info, stored) = ChunkFormat.Encode(stream.ToDescriptor(), samples.Skip(index * p.PerChunk).Take(p.PerChunk).ToList(), index);
                int ordinal = chunks.Count + missing.Count;
                if (p.Id == "imu0" && index == 2)
                {
                    missing.Add(new ManifestMissingChunk(ordinal, p.Id, index, info.FirstSequence, info.LastSequence, info.Count, info.FirstRigTime.Nanoseconds,
                        info.LastRigTime.Nanoseconds, info.Codec.ToString(), info.RawLength, info.StoredLength, info.Crc32C, info.Sha256Hex, "corrupt",
                        "CRC32C mismatch on the rig's disk"));
                    continue;
                }
                string file = ManifestChunk.RelativePath(p.Id, index);
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(Folder, file))!);
                if (p.Id == "cam1" && index == 1) stored[stored.Length / 2] ^= 0x5A; // damaged after the pull: its SHA-256 no longer matches
                File.WriteAllBytes(Path.Combine(Folder, file), stored);
                chunks.Add(new ManifestChunk(ordinal, p.Id, index, info.FirstSequence, info.LastSequence, info.Count, info.FirstRigTime.Nanoseconds,
                    info.LastRigTime.Nanoseconds, info.Codec.ToString(), info.RawLength, info.StoredLength, info.Crc32C, info.Sha256Hex, file));
            }
        }
        var counts = Plan.ToDictionary(p => p.Id, p => new ManifestCounts(p.Count + 2, p.Count, 2, p.Id == "imu0" ? 1 : 0));
        var markers = new List<ManifestMarker>
        {
            new(StartNs + 1_250_000_000, "door opened", "north side", "user"),
            new(StartNs + 400_000_000, "button", "", "gpio"),
            new(StartNs + 1_250_000_000, "calibration board", "", "user"),
        };
        var session = new ManifestSession(SessionId, "golden", "ana", new Dictionary<string, string> { ["site"] = "lab", ["run"] = "7" },
            StartNs, StartNs + 2_000_000_000, "Complete", "sim-golden", "stopped by user");
        new PulledSessionManifest(PulledSessionManifest.FormatName, session, streams, counts, markers, chunks,
            PulledSessionManifest.ComputeSessionHash(chunks, missing), DateTimeOffset.UnixEpoch) { Missing = missing }.Save(Folder);
        File.WriteAllText(Path.Combine(Folder, SessionAttachment.QaReportName), "{\"verdict\":\"pass\",\"checks\":3}\n");
    }

    public string Folder { get; }

    public void Dispose() => Directory.Delete(Folder, recursive: true);

    private static ulong Seed(string stream) => stream.Aggregate(0x9E3779B97F4A7C15UL, (h, c) => (h ^ c) * 0x100000001B3UL);

    private static Sample MakeSample(string stream, string encoding, int i, long period, SplitMix64 random)
    {
        long rig = StartNs + 3_000_000 * stream.Length + i * period;
        byte[] payload = encoding switch
        {
            Encodings.Jpeg => Frame(i, random),
            Encodings.PcmS16Le => Audio(i),
            Encodings.LidarScan => Lidar(i, random),
            Encodings.Imu6 => Imu(i, random),
            _ => new GpioEdgePayload((byte)(17 + i % 3), i % 2 == 0).ToArray(),
        };
        long host = rig - StartNs + 40_000 + (long)(random.Next() % 7_000);
        return new Sample(new StreamId(stream), 1_000 + i, new SensorTime(90_000L * i), new HostTime(host),
            new RigTimestamp(new RigTime(rig), Duration.FromMicroseconds(20 + i % 30)), payload);
    }

    /// <summary>A "JPEG" of 30-70 kB: SOI, random bytes for the first half (incompressible), a repeating pattern after, EOI.</summary>
    private static byte[] Frame(int i, SplitMix64 random)
    {
        var bytes = new byte[30_000 + (int)(random.Next() % 40_000)];
        int half = bytes.Length / 2;
        random.Fill(bytes.AsSpan(0, half));
        for (int k = half; k < bytes.Length; k++) bytes[k] = (byte)((k * 7 + i) % 61);
        bytes[0] = 0xFF; bytes[1] = 0xD8; bytes[^2] = 0xFF; bytes[^1] = 0xD9;
        return bytes;
    }

    private static byte[] Audio(int i)
    {
        var bytes = new byte[480 * 2 * 2];
        for (int f = 0; f < 480; f++)
        {
            double t = (i * 480 + f) / 48_000.0;
            BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(4 * f), (short)(9_000 * Math.Sin(2 * Math.PI * 440 * t)));
            BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(4 * f + 2), (short)(f * 37 - 8_000));
        }
        return bytes;
    }

    private static byte[] Lidar(int scan, SplitMix64 random)
    {
        const int points = 360;
        var bytes = new byte[points * 13];
        for (int p = 0; p < points; p++)
        {
            var span = bytes.AsSpan(p * 13);
            BinaryPrimitives.WriteSingleLittleEndian(span, p * (float)Math.PI / 180);
            BinaryPrimitives.WriteSingleLittleEndian(span[4..], 2.5f + (random.Next() % 1_000) / 250f + scan * 0.01f);
            span[8] = (byte)random.Next();
            BinaryPrimitives.WriteUInt32LittleEndian(span[9..], (uint)(p * 278));
        }
        return bytes;
    }

    private static byte[] Imu(int i, SplitMix64 random)
    {
        var bytes = new byte[24];
        for (int k = 0; k < 6; k++)
        {
            float noise = ((long)(random.Next() % 2_001) - 1_000) / 10_000f;
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * k), (k == 2 ? 9.81f : 0.05f * k * MathF.Sin(i / 40f)) + noise);
        }
        return bytes;
    }

    /// <summary>SplitMix64 (Steele, Lea, Flood 2014): a tiny generator whose output is defined by its seed alone.</summary>
    private sealed class SplitMix64(ulong state)
    {
        public ulong Next()
        {
            ulong z = state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        public void Fill(Span<byte> bytes)
        {
            for (int k = 0; k < bytes.Length; k += 8)
            {
                ulong v = Next();
                for (int b = 0; b < 8 && k + b < bytes.Length; b++) bytes[k + b] = (byte)(v >> (8 * b));
            }
        }
    }
}
