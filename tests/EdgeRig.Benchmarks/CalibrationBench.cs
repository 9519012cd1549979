using System.Diagnostics;
using EdgeRig.Calibration;
using EdgeRig.Calibration.Stimulus;
using EdgeRig.Core;
using EdgeRig.Devices.Simulation;
using EdgeRig.Service;
using Grpc.Net.Client;
using OpenCvSharp;

namespace EdgeRig.Benchmarks;

/// <summary>
/// `calibration`: the stimulus method on the simulated default rig (plus its trigger output), over several world seeds, each
/// with its own injected latencies (camera 2-30 ms, audio 1-8 ms, IMU 0.2-3 ms, LIDAR 1-10 ms), 30 stimuli (by default) at 0.9-1.3 s,
/// run in virtual time (the same twins, simulated GPIO and clock mappers as the service). Error = estimate minus the truth the
/// simulator knows: the mean over the stream's recorded samples of rig time minus the true time of the physical moment. Goals
/// (issue #5): camera ≤ 0.5 ms, audio ≤ 50 µs, IMU ≤ 0.5 ms, LIDAR ≤ 1 ms. Baseline: the naive estimate, the first frame /
/// sample / LIDAR point showing the stimulus minus the reference, no sub-frame interpolation, averaged over the stimuli.
/// Then the motion method (15 s by default of the world turning the rig; relative to the gyro; baseline: the goal) and one live stimulus
/// run through the service (real time) for how long a calibration run takes.
/// </summary>
public static class CalibrationBench
{
    private static readonly (string Modality, double GoalUs)[] Goals = [("camera", 500), ("audio", 50), ("imu", 500), ("lidar", 1000)];

    public static async Task RunAsync(string root, int seeds, BenchResults results, int stimuli = 30, double motionSeconds = 15)
    {
        var errors = Goals.ToDictionary(g => g.Modality, _ => new List<double>());
        var naive = Goals.ToDictionary(g => g.Modality, _ => new List<double>());
        var halfWidths = Goals.ToDictionary(g => g.Modality, _ => new List<double>());
        var mappingOffsets = Goals.ToDictionary(g => g.Modality, _ => new List<double>());
        var compute = new List<double>();
        var recorded = new List<double>();
        for (int seed = 1; seed <= seeds; seed++)
        {
            var rig = RigFor(Path.Combine(root, "hardware", "rigs", "sim-default.json"), seed);
            using var sim = new VirtualTimeRig(rig);
            sim.RunFor(LiveCalibration.SettleTime);
            var options = StimulusOptions.For(rig.Calibration);
            var schedule = StimulusSchedule.Random(stimuli, rig.Calibration.MinIntervalSeconds, rig.Calibration.MaxIntervalSeconds, new Random(seed), options);
            sim.StartRecording();
            var references = sim.PulseTrigger(schedule.Settle, schedule.Intervals, schedule.Tail).Select((t, i) => new StimulusReference(i + 1, t)).ToList();
            var streams = sim.StopRecording().Select(r => new RecordedStream(r.Descriptor, r.Samples)).ToList();
            recorded.Add(schedule.Length.TotalSeconds);

            var sw = Stopwatch.StartNew();
            var offsets = StimulusCalibrator.Calibrate(streams, references, options);
            compute.Add(sw.Elapsed.TotalSeconds);
            foreach (var r in offsets)
            {
                var stream = streams.Single(s => s.Descriptor.Id.Value == r.Stream);
                string modality = stream.Descriptor.Modality.ToString().ToLowerInvariant();
                var sensor = sim.SensorOf(stream.Descriptor.Id);
                double truth = stream.Samples.Average(s => (double)(s.Rig.Time - sim.Clock.ToRig(sensor.DeviceClock.TrueTime(s.Sequence)).Time).Nanoseconds);
                var device = rig.Devices.Single(d => d.StreamName == r.Stream);
                double injected = (device.Clock.LatencyMs + (device.Kind == "camera" ? SimulatedCameraExposureMs : 0)) * 1e6;
                double naiveNs = Naive(stream, references, options);
                Console.Error.WriteLine($"calibration: seed {seed} {r.Stream,-7} injected {injected / 1e6,7:0.000} ms, truth {truth / 1e6,7:0.000} ms, " +
                    $"estimate {(r.Succeeded ? $"{r.OffsetNs / 1e6:0.000} ms ±{r.CiHalfWidthNs / 1e3:0} us, error {(r.OffsetNs - truth) / 1e3:0.0} us" : r.FailedBecause)}, naive error {(naiveNs - truth) / 1e3:0} us");
                errors[modality].Add(r.Succeeded ? Math.Abs(r.OffsetNs - truth) / 1e3 : double.PositiveInfinity);
                naive[modality].Add(Math.Abs(naiveNs - truth) / 1e3);
                if (r.Succeeded) halfWidths[modality].Add(r.CiHalfWidthNs / 1e3);
                mappingOffsets[modality].Add(Math.Abs(truth - injected) / 1e3);
            }
        }
        foreach (var (modality, goal) in Goals)
        {
            results.Add("calibration", $"{modality}.median_error", Median(errors[modality]), "us", Median(naive[modality]));
            results.Add("calibration", $"{modality}.max_error", errors[modality].Max(), "us", naive[modality].Max());
            results.Add("calibration", $"{modality}.max_error_vs_goal", errors[modality].Max(), "us", goal);
            results.Add("calibration", $"{modality}.median_ci_halfwidth", halfWidths[modality].Count > 0 ? Median(halfWidths[modality]) : double.NaN, "us", goal);
            // how far the truth (what rig times carry) is from the rig file's latency: the clock mapping's own share
            results.Add("calibration", $"{modality}.max_truth_vs_injected", mappingOffsets[modality].Max(), "us", goal);
        }
        await MotionAsync(root, Math.Min(seeds, 3), motionSeconds, results);
        results.Add("calibration", "run.recorded_seconds", Median(recorded), "s", Median(recorded));
        results.Add("calibration", "run.compute_seconds", Median(compute), "s", Median(recorded));
        results.Add("calibration", "run.live_seconds", await LiveRunSecondsAsync(root, stimuli), "s", Median(recorded));
    }

    private const double SimulatedCameraExposureMs = 10;

    /// <summary>The motion method on the same rigs turned by the world for 15 s: camera and LIDAR lag behind the gyro against truth.</summary>
    private static Task MotionAsync(string root, int seeds, double seconds, BenchResults results)
    {
        var errors = new Dictionary<string, List<double>> { ["camera"] = [], ["lidar"] = [] };
        var compute = new List<double>();
        for (int seed = 1; seed <= seeds; seed++)
        {
            var rig = RigFor(Path.Combine(root, "hardware", "rigs", "sim-default.json"), seed);
            using var sim = new VirtualTimeRig(rig);
            sim.RunFor(LiveCalibration.SettleTime);
            sim.StartRecording();
            using (sim.World.PausePeriodicEvents())
            using (sim.World.Turn())
                sim.RunFor(Duration.FromSeconds(seconds));
            var streams = sim.StopRecording().Select(r => new RecordedStream(r.Descriptor, r.Samples)).ToList();
            double Truth(RecordedStream s)
            {
                var sensor = sim.SensorOf(s.Descriptor.Id);
                return s.Samples.Average(x => (double)(x.Rig.Time - sim.Clock.ToRig(sensor.DeviceClock.TrueTime(x.Sequence)).Time).Nanoseconds);
            }
            var gyro = streams.Single(s => s.Descriptor.Modality == Modality.Imu);
            var sw = Stopwatch.StartNew();
            var offsets = Calibration.Motion.MotionCalibrator.Calibrate(gyro, streams.Where(s => s.Descriptor.Modality is Modality.Camera or Modality.Lidar).ToList(),
                new Vision.FarnebackCameraYaw(), new Calibration.Motion.MotionOptions { CameraRadiansPerPixel = Devices.Camera.SimulatedCamera.HorizontalFieldOfViewRad / 1280 });
            compute.Add(sw.Elapsed.TotalSeconds);
            foreach (var r in offsets)
            {
                var stream = streams.Single(s => s.Descriptor.Id.Value == r.Stream);
                bool camera = stream.Descriptor.Modality == Modality.Camera;
                double truth = Truth(stream) - Truth(gyro) - (camera ? SimulatedCameraExposureMs * 1e6 / 2 : 0); // the image shows mid-exposure
                Console.Error.WriteLine($"calibration: motion seed {seed} {r.Stream,-7} truth {truth / 1e6:0.000} ms vs gyro, " +
                    (r.Succeeded ? $"estimate {r.OffsetNs / 1e6:0.000} ms ±{r.CiHalfWidthNs / 1e3:0} us, error {(r.OffsetNs - truth) / 1e3:0} us" : r.FailedBecause));
                errors[camera ? "camera" : "lidar"].Add(r.Succeeded ? Math.Abs(r.OffsetNs - truth) / 1e3 : double.PositiveInfinity);
            }
        }
        results.Add("calibration", "motion.camera.max_error", errors["camera"].Max(), "us", 500);
        results.Add("calibration", "motion.lidar.max_error", errors["lidar"].Max(), "us", 1000);
        results.Add("calibration", "motion.compute_seconds", Median(compute), "s", seconds);
        return Task.CompletedTask;
    }

    /// <summary>sim-default with a trigger output, the seed's world and latencies drawn from the seed.</summary>
    private static RigProfile RigFor(string file, int seed)
    {
        var rig = RigProfile.Load(file);
        var random = new Random(1000 + seed);
        double Draw(double low, double high) => Math.Round(low + (high - low) * random.NextDouble(), 3);
        var devices = rig.Devices.Select(d => d.Kind switch
        {
            "camera" => d with { Clock = d.Clock with { LatencyMs = Draw(2, 30) } },
            "microphone" => d with { Clock = d.Clock with { LatencyMs = Draw(1, 8) } },
            "imu" => d with { Clock = d.Clock with { LatencyMs = Draw(0.2, 3) } },
            "lidar" => d with { Clock = d.Clock with { LatencyMs = Draw(1, 10) } },
            _ => d,
        }).Where(d => d.Kind != "gpio-output").ToList();
        devices.Add(new DeviceProfile { Id = "trigger0", Kind = "gpio-output", Driver = "sim", Line = 23, Role = "trigger", PulseMs = 0.1 });
        return rig with { World = rig.World with { Seed = seed }, Devices = devices };
    }

    /// <summary>The naive offset: first frame / sample / point showing the stimulus, minus the reference, averaged over stimuli.</summary>
    private static double Naive(RecordedStream stream, IReadOnlyList<StimulusReference> references, StimulusOptions o)
    {
        var samples = stream.Samples.OrderBy(s => s.Rig.Time).ToList();
        var origin = references[0].Time;
        var perEvent = new List<double>();
        switch (stream.Descriptor.Modality)
        {
            case Modality.Camera:
                var times = samples.Select(s => (double)(s.Rig.Time - origin).Nanoseconds).ToArray();
                foreach (var r in references)
                {
                    double t = (r.Time - origin).Nanoseconds;
                    var baseline = Enumerable.Range(0, times.Length).Where(i => times[i] >= t - 260e6 && times[i] < t - 60e6).Select(i => Grey(samples[i])).ToList();
                    var window = Enumerable.Range(0, times.Length).Where(i => times[i] >= t - 60e6 && times[i] <= t + 150e6).ToList();
                    if (baseline.Count == 0 || window.Count == 0) continue;
                    double level = baseline.Order().ElementAt(baseline.Count / 2);
                    var response = window.Select(i => (I: i, R: Grey(samples[i]) - level)).ToList();
                    double peak = response.Max(x => x.R);
                    if (peak > 0) perEvent.Add(times[response.First(x => x.R > peak / 2).I] - t);
                }
                break;
            case Modality.Audio or Modality.Imu:
                var series = stream.Descriptor.Modality == Modality.Audio ? Payloads.AudioFrames(stream.Descriptor, samples, origin) : Payloads.ImuAxis(samples, o.ImuAxis, origin);
                double period = stream.Descriptor.Modality == Modality.Audio ? 1e9 / 48000 : stream.Descriptor.NominalPeriod.Nanoseconds;
                foreach (var r in references)
                {
                    double t = (r.Time - origin).Nanoseconds;
                    if (ConstantFractionOnset.FindCrossing(series, t, period, o).Crossing is { } c) perEvent.Add(c.AfterNs - t);
                }
                break;
            case Modality.Lidar:
                perEvent.AddRange(LidarRangeStepDetector.Detect(samples, references, origin, o).Where(e => e.Bracket is not null).Select(e => e.Bracket!.Value.HighNs));
                break;
        }
        return perEvent.Count == 0 ? double.NaN : perEvent.Average();
    }

    private static double Grey(Sample frame)
    {
        using var image = Cv2.ImDecode(frame.Payload.Span, ImreadModes.ReducedGrayscale4);
        return Cv2.Mean(image).Val0;
    }

    /// <summary>One live stimulus run (30 stimuli by default) through the service in real time (the default simulated rig plus a trigger): its wall time.</summary>
    private static async Task<double> LiveRunSecondsAsync(string root, int stimuli)
    {
        string dir = Path.Combine(Path.GetTempPath(), "edgerig-bench-calibration-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        string rigFile = Path.Combine(dir, "rig.json");
        var rig = RigFor(Path.Combine(root, "hardware", "rigs", "sim-default.json"), 1);
        File.WriteAllText(rigFile, System.Text.Json.JsonSerializer.Serialize(rig, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web)
            { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.KebabCaseLower) } }));
        string data = Path.Combine(dir, "data");
        var app = EdgeRigHost.Build(["--urls", "http://127.0.0.1:0", "--data-dir", data, "--rig", rigFile, "--Logging:LogLevel:Default=Warning"]);
        await app.StartAsync();
        try
        {
            using var channel = GrpcChannel.ForAddress(app.Urls.Single(), new GrpcChannelOptions
            {
                Credentials = Grpc.Core.ChannelCredentials.Create(Grpc.Core.ChannelCredentials.Insecure, Grpc.Core.CallCredentials.FromInterceptor((_, metadata) =>
                {
                    metadata.Add("authorization", "Bearer " + File.ReadAllText(Path.Combine(data, "admin.token")).Trim());
                    return Task.CompletedTask;
                })),
                UnsafeUseInsecureChannelCallCredentials = true,
            });
            Console.Error.WriteLine($"calibration: one live run of {stimuli} stimuli through the service...");
            var report = await new Api.V1.Calibration.CalibrationClient(channel).RunStimulusAsync(new Api.V1.RunStimulusRequest { Count = stimuli });
            foreach (var s in report.Streams)
                Console.Error.WriteLine($"calibration: live {s.Stream,-7} {s.OffsetNs / 1e6:0.000} ms ±{(s.CiHighNs - s.CiLowNs) / 2e3:0} us {(s.Passed ? "pass" : "fail: " + s.FailedBecause)}");
            return report.RunSeconds;
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(dir, recursive: true);
        }
    }

    private static double Median(List<double> values) => values.Count == 0 ? double.NaN : values.Order().ElementAt(values.Count / 2);
}
