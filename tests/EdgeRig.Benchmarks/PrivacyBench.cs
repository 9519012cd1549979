using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using EdgeRig.Formats;
using EdgeRig.Privacy;
using OpenCvSharp;

namespace EdgeRig.Benchmarks;

/// <summary>
/// `privacy`: (1) face redaction of JPEG frames, frames/s on one thread, at 1280×720 and 640×480, with a face (the shared test
/// photo scaled into the frame) and without (the no-face photo), against a plain JPEG decode + encode of the same frames;
/// (2) ChunkCipher.Seal/Open of 4 MiB chunks in MiB/s against a memcpy and a CRC32C of the same bytes. Rates are per CPU-second
/// of one thread (OpenCV limited to one), medians of 5 interleaved runs (by default). Also the 720p face frame with the cheaper settings DetectScale 0.5 and
/// ScaleFactor 1.2, to show what they buy.
/// </summary>
public static class PrivacyBench
{
    private const int ChunkBytes = 4 << 20, CaptureFps = 60; // two cameras at 30 fps
    private const string LbpCascade = "/usr/share/opencv4/lbpcascades/lbpcascade_frontalface.xml"; // opencv-data, beside the Haar ones

    private sealed record FrameCase(string Name, byte[] Jpeg, RedactionOptions Options);

    public static void Run(double seconds, BenchResults results, int runs = 5)
    {
        var cases = FrameCases();
        var redactors = cases.Select(c => new FaceRedactor(c.Options)).ToArray();
        int openCvThreads = Cv2.GetNumThreads();
        Cv2.SetNumThreads(1); // one thread: OpenCV would otherwise spread the cascade over every core
        try
        {
            foreach (var (c, r) in cases.Zip(redactors))
            {
                var f = r.RedactJpeg(c.Jpeg);
                Console.WriteLine($"privacy: {c.Name}: {c.Jpeg.Length / 1024} KiB, {f.Faces} face(s) {string.Join(" ", f.Boxes.Select(b => $"{b.Width}×{b.Height}@{b.X},{b.Y}"))}");
            }
            double slice = seconds * 0.8 / (2 * cases.Count * runs);
            var redact = cases.Select(_ => new List<double>()).ToArray();
            var plain = cases.Select(_ => new List<double>()).ToArray();
            for (int run = 0; run < runs; run++)
                for (int i = 0; i < cases.Count; i++)
                {
                    var (jpeg, redactor) = (cases[i].Jpeg, redactors[i]);
                    redact[i].Add(Rate(slice, 3, () => redactor.RedactJpeg(jpeg)));
                    plain[i].Add(Rate(slice, 3, () => DecodeEncode(jpeg, cases[i].Options.JpegQuality)));
                }
            for (int i = 0; i < cases.Count; i++)
                results.Add("privacy", $"redact-{cases[i].Name}-fps", Median(redact[i]), "frames/s", Median(plain[i]));

            // capture-time redaction of two 720p cameras: frames with a face are the costly ones
            for (int i = 0; i < cases.Count; i++)
            {
                if (!cases[i].Name.StartsWith("720p-face", StringComparison.Ordinal)) continue;
                double cores = CaptureFps / Median(redact[i]);
                if (cases[i].Name == "720p-face") results.Add("privacy", "redact-720p-2x30fps-cores-every-frame", cores, "cores", Environment.ProcessorCount);
                Console.WriteLine($"privacy: 2 × 30 fps {cases[i].Name} needs {cores:0.0} cores of redaction; this machine has {Environment.ProcessorCount}: " +
                    (cores <= Environment.ProcessorCount * 0.5 ? "feasible at capture, half the cores left for capture and storage"
                        : cores <= Environment.ProcessorCount ? "only with every core busy: not at capture" : "not feasible at capture"));
            }
        }
        finally
        {
            Cv2.SetNumThreads(openCvThreads);
            foreach (var r in redactors) r.Dispose();
        }
        Encryption(seconds * 0.2, runs, results);
    }

    private static void Encryption(double seconds, int runs, BenchResults results)
    {
        byte[] chunk = new byte[ChunkBytes], copy = new byte[ChunkBytes];
        new Random(9).NextBytes(chunk);
        using var key = DataKey.Generate("k-bench-0001");
        byte[] sealedChunk = ChunkCipher.Seal(key, chunk, "bench/cam0/0");
        double slice = seconds / (4 * runs);
        var seal = new List<double>();
        var open = new List<double>();
        var memcpy = new List<double>();
        var crc = new List<double>();
        double mib = ChunkBytes / (1024.0 * 1024.0);
        uint sink = 0;
        for (int run = 0; run < runs; run++)
        {
            seal.Add(mib * Rate(slice, 3, () => ChunkCipher.Seal(key, chunk, "bench/cam0/0")));
            open.Add(mib * Rate(slice, 3, () => ChunkCipher.Open(key, sealedChunk, "bench/cam0/0")));
            memcpy.Add(mib * Rate(slice, 3, () => chunk.AsSpan().CopyTo(copy)));
            crc.Add(mib * Rate(slice, 3, () => sink ^= Crc32C.Compute(chunk)));
        }
        results.Add("privacy", "seal-4MiB-MiB/s-vs-memcpy", Median(seal), "MiB/s", Median(memcpy));
        results.Add("privacy", "seal-4MiB-MiB/s-vs-crc32c", Median(seal), "MiB/s", Median(crc));
        results.Add("privacy", "open-4MiB-MiB/s-vs-memcpy", Median(open), "MiB/s", Median(memcpy));
        Console.WriteLine($"privacy: AES-GCM hardware acceleration {(System.Runtime.Intrinsics.X86.Aes.IsSupported || System.Runtime.Intrinsics.Arm.Aes.IsSupported ? "present" : "absent")} (crc sink {sink:x})");
    }

    /// <summary>Test photos scaled into frames: the face photo to the frame height (720p) or width (480p), centred on grey.</summary>
    private static List<FrameCase> FrameCases()
    {
        string dir = TestDataDirectory();
        using var face = Cv2.ImRead(Path.Combine(dir, "messi5.jpg"), ImreadModes.Color);
        using var noFace = Cv2.ImRead(Path.Combine(dir, "baboon.jpg"), ImreadModes.Color);
        var standard = new RedactionOptions();
        return
        [
            new("720p-face", Frame(face, 1280, 720), standard),
            new("720p-noface", Frame(noFace, 1280, 720), standard),
            new("480p-face", Frame(face, 640, 480), standard),
            new("480p-noface", Frame(noFace, 640, 480), standard),
            new("720p-face-scale0.5", Frame(face, 1280, 720), standard with { DetectScale = 0.5 }),
            new("720p-face-step1.2", Frame(face, 1280, 720), standard with { ScaleFactor = 1.2 }),
            new("720p-face-lbp", Frame(face, 1280, 720), standard with { CascadePath = LbpCascade }),
        ];
    }

    internal static byte[] Frame(Mat photo, int width, int height)
    {
        double k = Math.Min((double)width / photo.Width, (double)height / photo.Height);
        using var scaled = new Mat();
        Cv2.Resize(photo, scaled, new Size((int)(photo.Width * k), (int)(photo.Height * k)), 0, 0, InterpolationFlags.Area);
        using var frame = new Mat(height, width, MatType.CV_8UC3, Scalar.All(96));
        using (var target = new Mat(frame, new Rect((width - scaled.Width) / 2, (height - scaled.Height) / 2, scaled.Width, scaled.Height)))
            scaled.CopyTo(target);
        Cv2.ImEncode(".jpg", frame, out byte[] jpeg, new ImageEncodingParam(ImwriteFlags.JpegQuality, 85));
        return jpeg;
    }

    private static void DecodeEncode(byte[] jpeg, int quality)
    {
        using var frame = Cv2.ImDecode(jpeg, ImreadModes.Color);
        Cv2.ImEncode(".jpg", frame, out _, new ImageEncodingParam(ImwriteFlags.JpegQuality, quality));
    }

    /// <summary>
    /// Operations per CPU-second of this process (one thread working: per second of a free core), over at least
    /// <paramref name="seconds"/> of CPU and <paramref name="minimum"/> operations. CPU time, not wall time, so that other load on a
    /// shared machine does not count against the code measured.
    /// </summary>
    internal static double Rate(double seconds, int minimum, Action action)
    {
        action(); // warm
        var start = Environment.CpuUsage.TotalTime;
        int n = 0;
        TimeSpan used;
        do
        {
            action();
            n++;
            used = Environment.CpuUsage.TotalTime - start;
        }
        while (n < minimum || used.TotalSeconds < seconds);
        return n / used.TotalSeconds;
    }

    internal static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    internal static string TestDataDirectory([CallerFilePath] string source = "")
    {
        foreach (string start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(source)! })
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "EdgeRig.sln"))) return Path.GetFullPath(Path.Combine(d.FullName, "..", "shared", "testdata"));
        throw new DirectoryNotFoundException($"EdgeRig.sln not found above {AppContext.BaseDirectory}");
    }
}
