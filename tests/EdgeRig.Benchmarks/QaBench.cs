using System.Runtime.InteropServices;
using EdgeRig.Core;
using EdgeRig.Devices;
using EdgeRig.Devices.Simulation;
using EdgeRig.Quality;
using EdgeRig.Timing;
using OpenCvSharp;

namespace EdgeRig.Benchmarks;

/// <summary>
/// `qa`: CPU milliseconds per recorded second of the QA analysis (<see cref="SessionQa.Observe"/> on every sample) over
/// <c>seconds</c> of the default simulated rig rendered in memory by its twins (2 × 1280×720 MJPEG at 30 fps,
/// 48 kHz stereo in 10 ms blocks, 400 Hz IMU, 10 Hz LIDAR × 450 points), median of 3 runs. Baselines, measured in
/// the same run: for the cameras (and the whole), decoding every frame at full size in colour, which is what an
/// analysis without DCT scaling would pay before measuring anything; for the other modalities, copying their
/// payloads, the least any analysis that reads every byte pays.
/// </summary>
public static partial class QaBench
{
    private const int Runs = 3;

    private sealed class Collector : ISampleSink
    {
        public List<Sample> Samples { get; } = [];
        public void Publish(Sample sample) => Samples.Add(sample);
    }

    public static void Run(double seconds, BenchResults results)
    {
        var (streams, samples) = Render(seconds);
        Console.WriteLine($"qa: {samples.Count} samples, {samples.Sum(s => (long)s.Payload.Length) / 1e6:0.0} MB rendered for {seconds:0} s of sim-default");
        Analyse(streams, samples.Take(samples.Count / 10).ToList()); // warm-up (JIT, OpenCV)
        var cameras = streams.Where(d => d.Modality == Modality.Camera).Select(d => d.Id).ToHashSet();
        var frames = samples.Where(s => cameras.Contains(s.Stream)).ToList();

        // CPU milliseconds per recorded second (1000 would be one whole core)
        double total = Median(() => Analyse(streams, samples)) * 1e3 / seconds;
        double fullDecode = Median(() => Decode(frames, ImreadModes.Color)) * 1e3 / seconds;
        results.Add("qa", "observe-ms/s-vs-full-decode", total, "cpu-ms/s", fullDecode);
        foreach (var modality in new[] { Modality.Camera, Modality.Audio, Modality.Imu, Modality.Lidar })
        {
            var own = streams.Where(d => d.Modality == modality).ToList();
            var ownSamples = samples.Where(s => own.Any(d => d.Id == s.Stream)).ToList();
            double cost = Median(() => Analyse(own, ownSamples)) * 1e3 / seconds;
            if (modality == Modality.Camera)
                results.Add("qa", "camera-ms/s-vs-full-decode", cost, "cpu-ms/s", fullDecode);
            else
                results.Add("qa", $"{modality.ToString().ToLowerInvariant()}-ms/s-vs-copy", cost, "cpu-ms/s", Median(() => Copy(ownSamples)) * 1e3 / seconds);
        }
        results.Add("qa", "decode-1/8-ms/frame-vs-1/4", Median(() => Decode(frames, ImreadModes.ReducedGrayscale8)) * 1e3 / frames.Count, "cpu-ms",
            Median(() => Decode(frames, ImreadModes.ReducedGrayscale4)) * 1e3 / frames.Count);
        // a live report (status polls it) against one recorded second of observing
        results.Add("qa", "live-report-ms-vs-observe-1s", Median(() => LiveReportCpu(streams, samples, seconds)) * 1e3, "cpu-ms", total);

        var report = FinalReport(streams, samples, seconds);
        Console.WriteLine($"qa: clean sim-default: verdict {report.Verdict}, {report.Findings.Count} findings");
        foreach (var f in report.Findings.Take(10)) Console.WriteLine($"qa:   {f.Verdict} {f.Stream} {f.Check}: {f.Message}");
    }

    /// <summary>The twins' samples, stamped with their true time on the rig timeline, in time order.</summary>
    private static (IReadOnlyList<StreamDescriptor> Streams, List<Sample> Samples) Render(double seconds)
    {
        static DeviceProfile Device(string id, string kind) => new() { Id = id, Kind = kind, FrameId = id };
        var rig = new RigProfile
        {
            Name = "sim-default",
            World = new WorldProfile { EventIntervalSeconds = 5, Seed = 7 },
            Devices =
            [
                Device("cam0", "camera") with { Width = 1280, Height = 720, RateHz = 30, JpegQuality = 80 },
                Device("cam1", "camera") with { Width = 1280, Height = 720, RateHz = 30, JpegQuality = 80 },
                Device("mic0", "microphone") with { RateHz = 48000, Channels = 2, BlockFrames = 480 },
                Device("lidar0", "lidar") with { RateHz = 10, PointsPerScan = 450 },
                Device("imu0", "imu") with { RateHz = 400, FifoBurst = 8 },
            ],
        };
        var clock = new FakeRigClock();
        var world = new SimulatedWorld(rig.World, clock);
        var sensors = SimulatedRig.Create(rig, world, clock).OfType<SimulatedSensor>().ToList();
        var end = world.Origin + Duration.FromSeconds(seconds);
        var samples = new List<Sample>();
        foreach (var twin in sensors)
        {
            var sink = new Collector();
            while (twin.ProduceNext(sink) <= end) { }
            samples.AddRange(sink.Samples.Select(s => s with { Rig = clock.ToRig(twin.DeviceClock.TrueTime(s.Sequence)) }));
            twin.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        samples.Sort((a, b) => a.Rig.Time.CompareTo(b.Rig.Time));
        return (sensors.Select(s => s.Descriptor).ToList(), samples);
    }

    private static double Analyse(IReadOnlyList<StreamDescriptor> streams, List<Sample> samples)
    {
        var qa = new SessionQa(streams, new QaProfile(), samples[0].Rig.Time);
        return Cpu(() =>
        {
            foreach (var s in samples) qa.Observe(s);
        });
    }

    private static QaReport FinalReport(IReadOnlyList<StreamDescriptor> streams, List<Sample> samples, double seconds)
    {
        var qa = new SessionQa(streams, new QaProfile(), samples[0].Rig.Time);
        foreach (var s in samples) qa.Observe(s);
        return qa.Report(samples[0].Rig.Time + Duration.FromSeconds(seconds), new Dictionary<string, StreamCounts>(), new Dictionary<string, BoundStats>(), null, final: true);
    }

    /// <summary>CPU seconds of one live report a quarter of the way in.</summary>
    private static double LiveReportCpu(IReadOnlyList<StreamDescriptor> streams, List<Sample> samples, double seconds)
    {
        var qa = new SessionQa(streams, new QaProfile(), samples[0].Rig.Time);
        foreach (var s in samples.Take(samples.Count / 4)) qa.Observe(s);
        var now = samples[0].Rig.Time + Duration.FromSeconds(seconds / 4);
        return Cpu(() => qa.Report(now, new Dictionary<string, StreamCounts>(), new Dictionary<string, BoundStats>(), null, final: false), repeat: 20) / 20;
    }

    private static double Decode(List<Sample> frames, ImreadModes mode) => Cpu(() =>
    {
        foreach (var f in frames) Cv2.ImDecode(f.Payload.Span, mode).Dispose();
    });

    private static double Copy(List<Sample> samples)
    {
        var buffer = new byte[samples.Max(s => s.Payload.Length)];
        long sum = 0;
        double cpu = Cpu(() =>
        {
            foreach (var s in samples)
            {
                s.Payload.Span.CopyTo(buffer);
                sum += buffer[s.Payload.Length / 2];
            }
        });
        GC.KeepAlive(sum);
        return cpu;
    }

    private static double Cpu(Action work, int repeat = 1)
    {
        double before = ProcessCpuSeconds();
        for (int i = 0; i < repeat; i++) work();
        return ProcessCpuSeconds() - before;
    }

    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    private const int ClockProcessCpuTimeId = 2;

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out Timespec time);

    /// <summary>CPU time of the whole process (every thread: OpenCV's, the GC's) in nanosecond resolution.</summary>
    private static double ProcessCpuSeconds()
    {
        if (ClockGetTime(ClockProcessCpuTimeId, out var t) != 0) throw new IOException("clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed");
        return t.Seconds + t.Nanoseconds / 1e9;
    }

    private static double Median(Func<double> measure)
    {
        var values = Enumerable.Range(0, Runs).Select(_ => measure()).Order().ToList();
        return values[Runs / 2];
    }
}
