using EdgeRig.Calibration.Motion;
using EdgeRig.Calibration.Stimulus;
using EdgeRig.Core;
using Xunit.Abstractions;

namespace EdgeRig.Calibration.Tests.SimulatedRig;

/// <summary>
/// Both methods on the simulated rig (its twins, world, simulated GPIO trigger and clock mappers, run in virtual time) against
/// the simulator's truth: each stream's true offset is computed from the true times of its samples, which no estimator sees.
/// </summary>
public sealed class SimulatedRigCalibrationTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, double> GoalsMs = new() { ["cam0"] = 0.5, ["cam1"] = 0.5, ["mic0"] = 0.05, ["imu0"] = 0.5, ["lidar0"] = 1 };

    [Fact]
    public void StimulusRun_FixedSeed_EveryOffsetWithinItsGoal_AndTheReferencesAreTheTriggerEdges()
    {
        using var run = new VirtualCalibrationRun(VirtualCalibrationRun.RigFile, seed: 11);
        var references = run.FireStimuli(30, scheduleSeed: 11);

        // each reference is the edge's kernel stamp: 2-8 µs after the world's stimulus, which happened at the edge
        var fired = run.Sim.World.Events.Where(e => e.Source == "gpio line 23").ToList();
        Assert.Equal(30, fired.Count);
        Assert.All(fired.Zip(references), p => Assert.InRange((p.Second.Time - p.First.RigTime).Nanoseconds, 2_000, 8_000));
        Assert.DoesNotContain(run.Sim.World.Events, e => e.Source == "periodic" && e.TrueTime > fired[0].TrueTime - Duration.FromSeconds(1) && e.TrueTime < fired[^1].TrueTime);

        var results = StimulusCalibrator.Calibrate(run.Streams, references, run.Options);

        Assert.Equal(["cam0", "cam1", "imu0", "lidar0", "mic0"], results.Select(r => r.Stream).Order());
        foreach (var r in results)
        {
            double truth = run.TruthNs(r.Stream), injected = run.InjectedNs(r.Stream);
            output.WriteLine($"{r}; truth {truth / 1e6:0.0000} ms (rig file {injected / 1e6} ms), error {(r.OffsetNs - truth) / 1e3:0.0} us");
            Assert.True(r.Succeeded, r.FailedBecause);
            Assert.InRange(r.OffsetNs - truth, -GoalsMs[r.Stream] * 1e6, GoalsMs[r.Stream] * 1e6);
            Assert.InRange(truth, r.CiLowNs, r.CiHighNs);
            // the truth is the rig file's latency but for the LIDAR, whose noisy millisecond stamps the clock mapping reads early
            if (r.Stream != "lidar0") Assert.InRange(truth - injected, -30_000, 30_000);
        }
    }

    [Fact]
    public void MotionRun_WorldTurnsTheRig_CameraAndLidarLagsBehindTheGyroMatchTruth()
    {
        using var run = new VirtualCalibrationRun(VirtualCalibrationRun.RigFile, seed: 3, cameraSize: (1280, 720));
        run.Turn(12);
        var gyro = run.Stream("imu0");
        var others = run.Streams.Where(s => s.Descriptor.Modality is Modality.Camera or Modality.Lidar).ToList();

        var results = MotionCalibrator.Calibrate(gyro, others, new Vision.FarnebackCameraYaw(), new MotionOptions { CameraRadiansPerPixel = Math.PI / 3 / 1280 });

        foreach (var r in results)
        {
            // the image shows the middle of the 10 ms exposure
            double truth = run.TruthNs(r.Stream) - run.TruthNs("imu0") - (r.Stream.StartsWith("cam", StringComparison.Ordinal) ? 5e6 : 0);
            output.WriteLine($"{r}; truth {truth / 1e6:0.000} ms, error {(r.OffsetNs - truth) / 1e3:0} us");
            Assert.True(r.Succeeded, r.FailedBecause);
            Assert.InRange(truth, r.CiLowNs, r.CiHighNs);
            Assert.InRange(r.OffsetNs - truth, -GoalsMs[r.Stream] * 1e6, GoalsMs[r.Stream] * 1e6);
        }
        Assert.Equal(3, results.Count);
    }

    /// <summary>
    /// The +0.2 ms the IMU read on this rig (README, before this test) was not the clock mapping: with world seed 11 the events
    /// fall at the same phases of the 400 Hz sample grid in every run, and a half-height onset interpolated between a quiet
    /// sample and the (peak) first sample after the bump always lands mid-way, i.e. it is off by that phase minus half a period.
    /// Averaging ~20 such events left +0.2-0.3 ms. Bracket pooling uses the phases instead of averaging them. (Recorded as the
    /// old service test did: 15 s after 2 s.)
    /// </summary>
    [Fact]
    public void ImuOnWorldEventsSeed11_MappingIsExact_TheOldBiasIsTheEventPhases_BracketsCoverTheTruth()
    {
        using var run = new VirtualCalibrationRun(VirtualCalibrationRun.RigFile, seed: 11, settleSeconds: 2);
        run.Record(15);
        var (from, to) = (run.Stream("imu0").Samples.Min(s => s.Rig.Time), run.Stream("imu0").Samples.Max(s => s.Rig.Time));
        var events = run.Sim.World.Events.Where(e => e.RigTime > from + Duration.FromMilliseconds(300) && e.RigTime < to - Duration.FromMilliseconds(700)).ToList();
        var references = events.Select(e => new StimulusReference(e.Number, e.RigTime)).ToList();
        double injected = run.InjectedNs("imu0");

        // the FIFO bursts map exactly: every sample, whatever its place in its burst of 8, is at true time + 0.8 ms (± 5 µs)
        var offsets = run.SampleOffsetsNs("imu0").ToList();
        Assert.InRange(offsets.Average() - injected, -5_000, 5_000);
        Assert.All(run.Stream("imu0").Samples.Zip(offsets).GroupBy(p => p.First.Sequence % 8), g => Assert.InRange(g.Average(p => p.Second) - injected, -5_000, 5_000));

        // the old estimate (mean of interpolated onsets): on true sample times, with no mapping at all, it is +0.2-0.3 ms off,
        // and on the recorded rig times it is exactly that plus the 0.8 ms latency: the mapping adds nothing
        var sensor = run.Sim.SensorOf(new StreamId("imu0"));
        var samples = run.Stream("imu0").Samples;
        var origin = events[0].RigTime;
        var trueSeries = samples.Select(s => new TimedValue(sensor.DeviceClock.TrueTime(s.Sequence).Nanoseconds, BitConverter.ToSingle(s.Payload.Span[..4]))).ToList();
        var rigSeries = Payloads.ImuAxis(samples, 0, origin);
        var o = new StimulusOptions();
        var onTrue = events.Select(e => ConstantFractionOnset.Find(trueSeries, e.TrueTime.Nanoseconds, 2.5e6, o).OnsetNs - e.TrueTime.Nanoseconds).OfType<double>().ToList();
        var onRig = events.Select(e => ConstantFractionOnset.Find(rigSeries, (e.RigTime - origin).Nanoseconds, 2.5e6, o).OnsetNs - (e.RigTime - origin).Nanoseconds).OfType<double>().ToList();
        output.WriteLine($"{onTrue.Count} events; old estimator on true times: mean {onTrue.Average() / 1e3:0} us, per event {string.Join(" ", onTrue.Select(x => $"{x / 1e3:0}"))}");
        Assert.Equal(events.Count, onTrue.Count);
        Assert.InRange(onTrue.Average(), 150_000, 400_000);
        Assert.All(onTrue.Zip(onRig), p => Assert.InRange(p.Second - p.First - injected, -10_000, 10_000));

        // bracket pooling: inside the goal, and its interval (as wide as these phases leave it) covers the truth
        var imu = StimulusCalibrator.Calibrate([run.Stream("imu0")], references, run.Options).Single();
        output.WriteLine($"{imu}; truth {offsets.Average() / 1e6:0.0000} ms");
        Assert.InRange(imu.OffsetNs - offsets.Average(), -500_000, 500_000);
        Assert.InRange(offsets.Average(), imu.CiLowNs, imu.CiHighNs);
    }
}
