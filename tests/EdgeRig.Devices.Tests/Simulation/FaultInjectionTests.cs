using System.Buffers.Binary;
using EdgeRig.Core;
using EdgeRig.Devices.Audio;
using EdgeRig.Devices.Camera;
using EdgeRig.Devices.Imu;
using EdgeRig.Devices.Lidar;
using EdgeRig.Devices.Simulation;
using EdgeRig.Timing;
using OpenCvSharp;

// (not "...Tests.Simulation": GpioChipMarkerButtonTests names EdgeRig.Devices.Simulation relative to EdgeRig.Devices.Tests)
namespace EdgeRig.Devices.Tests.Sim;

/// <summary>Each simulated twin injects the faults its rig-file entry lists, at their times (seconds since its first sample).</summary>
public sealed class FaultInjectionTests
{
    private static readonly FakeRigClock Clock = new();

    private static SimulatedWorld World() => new(new WorldProfile { EventIntervalSeconds = 0.5, Seed = 3 }, Clock);

    private static FaultProfile[] Fault(string kind, double at, double duration, string axis = "") =>
        [new FaultProfile { Kind = kind, AtSeconds = at, DurationSeconds = duration, Axis = axis }];

    private static double Since(SimulatedSensor s, Sample x) => (s.DeviceClock.TrueTime(x.Sequence) - s.DeviceClock.Origin).TotalSeconds;

    private static (List<Sample> Before, List<Sample> During, List<Sample> After) Split(SimulatedSensor s, List<Sample> samples, double at, double duration) =>
        (samples.Where(x => Since(s, x) < at).ToList(), samples.Where(x => Since(s, x) >= at && Since(s, x) < at + duration).ToList(),
            samples.Where(x => Since(s, x) >= at + duration).ToList());

    private static (SimulatedSensor Sensor, List<Sample> Samples) Produce(SimulatedSensor sensor, int steps)
    {
        var sink = new CollectingSink();
        for (int i = 0; i < steps; i++) sensor.ProduceNext(sink);
        return (sensor, sink.Snapshot().ToList());
    }

    [Fact]
    public void Camera_Freeze_RepeatsTheLastFramesExactBytes_ThenMovesAgain()
    {
        var profile = new DeviceProfile { Id = "cam0", Kind = "camera", Width = 320, Height = 240, RateHz = 30, Faults = Fault("freeze", 1, 0.5) };
        var (cam, frames) = Produce(new SimulatedCamera(profile, World(), Clock), 60);
        var (before, during, after) = Split(cam, frames, 1, 0.5);

        Assert.InRange(during.Count, 14, 16);
        Assert.All(during, f => Assert.Equal(before[^1].Payload.ToArray(), f.Payload.ToArray()));
        Assert.NotEqual(before[^2].Payload.ToArray(), before[^1].Payload.ToArray());
        Assert.NotEqual(before[^1].Payload.ToArray(), after[0].Payload.ToArray());
    }

    [Fact]
    public void Camera_Black_SendsBlackFrames()
    {
        var profile = new DeviceProfile { Id = "cam0", Kind = "camera", Width = 320, Height = 240, RateHz = 30, Faults = Fault("black", 0.5, 0.5) };
        var (cam, frames) = Produce(new SimulatedCamera(profile, World(), Clock), 40);
        var (before, during, _) = Split(cam, frames, 0.5, 0.5);

        double Mean(Sample f) { using var img = Cv2.ImDecode(f.Payload.ToArray(), ImreadModes.Grayscale); return Cv2.Mean(img).Val0; }
        Assert.InRange(during.Count, 14, 16);
        Assert.All(during, f => Assert.True(Mean(f) < 1, $"frame {f.Sequence}: mean {Mean(f):0.0}"));
        Assert.All(before, f => Assert.True(Mean(f) > 30));
    }

    private static List<short> Frames(List<Sample> blocks) =>
        blocks.SelectMany(b => Enumerable.Range(0, b.Payload.Length / 4).Select(f => BinaryPrimitives.ReadInt16LittleEndian(b.Payload.Span[(f * 4)..]))).ToList();

    [Fact]
    public void Microphone_Clip_SaturatesAtTheInt16Limits_OnlyDuringTheFault()
    {
        var profile = new DeviceProfile { Id = "mic0", Kind = "microphone", RateHz = 48000, Channels = 2, BlockFrames = 480, Faults = Fault("clip", 0.5, 0.5) };
        var (mic, blocks) = Produce(new SimulatedMicrophone(profile, World(), Clock), 150);
        var (before, during, after) = Split(mic, blocks, 0.5, 0.5);

        var clipped = Frames(during);
        // the 900-count tone at x40 peaks at 36 000: a quarter of every cycle sits on the rails
        Assert.True(clipped.Count(v => v is short.MaxValue or short.MinValue) > clipped.Count / 5, $"{clipped.Count(v => v is short.MaxValue or short.MinValue)} of {clipped.Count} at the limits");
        Assert.DoesNotContain(Frames(before).Concat(Frames(after)), v => v is short.MaxValue or short.MinValue);
    }

    [Fact]
    public void Microphone_Silence_IsDigitalZeros()
    {
        var profile = new DeviceProfile { Id = "mic0", Kind = "microphone", RateHz = 48000, Channels = 2, BlockFrames = 480, Faults = Fault("silence", 0.3, 0.4) };
        var (mic, blocks) = Produce(new SimulatedMicrophone(profile, World(), Clock), 100);
        var (before, during, _) = Split(mic, blocks, 0.3, 0.4);

        Assert.InRange(during.Count, 38, 41);
        Assert.All(during.Skip(1), b => Assert.All(b.Payload.ToArray(), x => Assert.Equal(0, x))); // the first block may start before the fault
        Assert.Contains(Frames(before), v => Math.Abs(v) > 500);
    }

    [Fact]
    public void Imu_Gap_DeliversNothing_SequenceNumbersKeepCounting()
    {
        var profile = new DeviceProfile { Id = "imu0", Kind = "imu", RateHz = 400, FifoBurst = 8, Faults = Fault("gap", 1, 2) };
        var (imu, samples) = Produce(new SimulatedImu(profile, World(), Clock), 200); // 4 s
        var (_, during, after) = Split(imu, samples, 1, 2);

        Assert.Empty(during);
        int gapAt = samples.FindIndex(s => Since(imu, s) >= 3);
        Assert.Equal(800, samples[gapAt].Sequence - samples[gapAt - 1].Sequence - 1); // 2 s at 400 Hz missing
        Assert.Equal(1600 - 800, samples.Count);
        Assert.NotEmpty(after);
    }

    [Fact]
    public void Imu_Stuck_OneAxisHoldsItsValue_TheOthersMove()
    {
        var profile = new DeviceProfile { Id = "imu0", Kind = "imu", RateHz = 400, FifoBurst = 8, Faults = Fault("stuck", 0.5, 1, axis: "gx") };
        var (imu, samples) = Produce(new SimulatedImu(profile, World(), Clock), 100);
        var (before, during, _) = Split(imu, samples, 0.5, 1);

        float Axis(Sample s, int i) => BinaryPrimitives.ReadSingleLittleEndian(s.Payload.Span[(i * 4)..]);
        Assert.Single(during.Select(s => Axis(s, 3)).Distinct());
        Assert.Equal(Axis(before[^1], 3), Axis(during[0], 3));
        Assert.True(during.Select(s => Axis(s, 4)).Distinct().Count() > 100);
        Assert.True(before.Select(s => Axis(s, 3)).Distinct().Count() > 100);
    }

    [Fact]
    public void Lidar_Zeros_EveryRangeIsZero()
    {
        var profile = new DeviceProfile { Id = "lidar0", Kind = "lidar", RateHz = 10, PointsPerScan = 450, Faults = Fault("zeros", 1, 1) };
        var (lidar, scans) = Produce(new SimulatedLidar(profile, World(), Clock), 30);
        var (before, during, after) = Split(lidar, scans, 1, 1);

        IEnumerable<float> Ranges(Sample s) => Enumerable.Range(0, s.Payload.Length / SimulatedLidar.PointSize)
            .Select(i => BinaryPrimitives.ReadSingleLittleEndian(s.Payload.Span[(i * SimulatedLidar.PointSize + 4)..]));
        Assert.Equal(10, during.Count);
        Assert.All(during, s => Assert.All(Ranges(s), r => Assert.Equal(0f, r)));
        Assert.All(before.Concat(after), s => Assert.All(Ranges(s), r => Assert.InRange(r, 1.4f, 3.7f)));
    }

    [Fact]
    public void SimFaultsRig_HasOneFaultPerModality_AtDistinctTimesInTheFirstTwelveSeconds()
    {
        var rig = RigProfile.Load(Path.Combine(RepoRoot(), "hardware", "rigs", "sim-faults.json"));
        var faults = rig.Devices.SelectMany(d => d.Faults.Select(f => (d.Kind, f))).ToList();

        Assert.Equal(["camera freeze", "imu gap", "lidar zeros", "microphone clip"], faults.Select(x => $"{x.Kind} {x.f.Kind}").Order());
        Assert.Equal(2, faults.Single(x => x.f.Kind == "gap").f.DurationSeconds);
        Assert.All(faults, x => Assert.InRange(x.f.AtSeconds, 1, 10));
        var spans = faults.Select(x => (x.f.AtSeconds, End: x.f.AtSeconds + x.f.DurationSeconds)).OrderBy(x => x.AtSeconds).ToList();
        Assert.All(spans.Zip(spans.Skip(1)), p => Assert.True(p.First.End <= p.Second.AtSeconds, "faults overlap"));
    }

    [Theory]
    [InlineData("""{ "kind": "zeros", "atSeconds": 1, "durationSeconds": 1 }""", "camera", "devices[0].faults[0].kind", "'zeros' is not a camera fault")]
    [InlineData("""{ "kind": "freeze", "atSeconds": -1, "durationSeconds": 1 }""", "camera", "devices[0].faults[0].atSeconds", "must be in [0, 86400]")]
    [InlineData("""{ "kind": "gap", "atSeconds": 1, "durationSeconds": 0 }""", "imu", "devices[0].faults[0].durationSeconds", "must be in (0, 86400]")]
    [InlineData("""{ "kind": "stuck", "atSeconds": 1, "durationSeconds": 1, "axis": "qx" }""", "imu", "devices[0].faults[0].axis", "'qx' is not one of")]
    [InlineData("""{ "kind": "gap", "atSeconds": 1, "durationSeconds": 1, "axis": "gx" }""", "imu", "devices[0].faults[0].axis", "only a \"stuck\" fault")]
    [InlineData("""{ "kind": "clip", "atSeconds": 1, "durationSeconds": 1, "gain": 3 }""", "microphone", "devices[0].faults[0].gain", "")]
    public void RigFile_BadFault_NamesTheField(string fault, string kind, string field, string problem)
    {
        string device = kind switch
        {
            "camera" => """ "kind": "camera", "width": 320, "height": 240, "rateHz": 30 """,
            "imu" => """ "kind": "imu", "rateHz": 400 """,
            _ => """ "kind": "microphone", "rateHz": 48000, "channels": 1, "blockFrames": 480 """,
        };
        var e = Assert.Throws<RigProfileException>(() => RigProfile.Parse($$"""{ "name": "r", "devices": [ { "id": "d0", {{device}}, "faults": [ {{fault}} ] } ] }""", "r.json"));

        Assert.Equal(field, e.Field);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void RigFile_FaultOnARealDriver_IsRefused()
    {
        var e = Assert.Throws<RigProfileException>(() => RigProfile.Parse("""
            { "name": "r", "devices": [ { "id": "cam0", "kind": "camera", "driver": "v4l2", "path": "/dev/video0", "width": 320, "height": 240, "rateHz": 30,
              "faults": [ { "kind": "freeze", "atSeconds": 1, "durationSeconds": 1 } ] } ] }
            """, "r.json"));

        Assert.Equal("devices[0].faults[0]", e.Field);
        Assert.Contains("simulated twins only", e.Message);
    }

    internal static string RepoRoot([System.Runtime.CompilerServices.CallerFilePath] string source = "")
    {
        var d = new DirectoryInfo(Path.GetDirectoryName(source)!); // the binaries may be built outside the tree
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "EdgeRig.sln"))) d = d.Parent;
        return d?.FullName ?? throw new InvalidOperationException("EdgeRig.sln not found above the test binaries");
    }
}
