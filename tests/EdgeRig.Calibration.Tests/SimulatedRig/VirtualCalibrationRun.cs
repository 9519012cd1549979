using EdgeRig.Calibration.Stimulus;
using EdgeRig.Core;
using EdgeRig.Devices.Simulation;

namespace EdgeRig.Calibration.Tests.SimulatedRig;

/// <summary>
/// Calibration runs on the simulated rig in virtual time (<see cref="VirtualTimeRig"/>): the same twins, world, simulated GPIO
/// trigger and clock mappers as the service, minutes of rig time in seconds. The truth of a stream is what the simulator
/// knows and the estimators never see: the mean over its recorded samples of rig time minus the true time of the physical
/// moment (exposure start, first audio frame, IMU sample, scan start) -- the injected latency plus what the clock mapping added.
/// </summary>
internal sealed class VirtualCalibrationRun : IDisposable
{
    /// <param name="settleSeconds">How long the rig runs before anything is recorded (the service waits 5 s before a run).</param>
    /// <param name="cameraSize">Overrides the cameras' width and height.</param>
    public VirtualCalibrationRun(string rigFile, int? seed = null, double settleSeconds = 5, (int Width, int Height)? cameraSize = null)
    {
        var rig = RigProfile.Load(rigFile);
        if (seed is { } s) rig = rig with { World = rig.World with { Seed = s } };
        if (cameraSize is { } size)
            rig = rig with { Devices = rig.Devices.Select(d => d.Kind == "camera" ? d with { Width = size.Width, Height = size.Height } : d).ToList() };
        Rig = rig;
        Options = StimulusOptions.For(rig.Calibration);
        Sim = new VirtualTimeRig(rig);
        Sim.RunFor(Duration.FromSeconds(settleSeconds));
    }

    /// <summary>The stimulus options the service would use for this rig (its LIDAR target sector).</summary>
    public StimulusOptions Options { get; }

    public RigProfile Rig { get; }
    public VirtualTimeRig Sim { get; }
    public IReadOnlyList<RecordedStream> Streams { get; private set; } = [];

    public static string RigFile => Path.Combine(AppContext.BaseDirectory, "SimulatedRig", "sim-calibration.json");

    /// <summary>Records while the trigger fires <paramref name="count"/> times at random intervals; returns the references.</summary>
    public List<StimulusReference> FireStimuli(int count, int scheduleSeed)
    {
        var schedule = StimulusSchedule.Random(count, Rig.Calibration.MinIntervalSeconds, Rig.Calibration.MaxIntervalSeconds, new Random(scheduleSeed), Options);
        Sim.StartRecording();
        var references = Sim.PulseTrigger(schedule.Settle, schedule.Intervals, schedule.Tail).Select((t, i) => new StimulusReference(i + 1, t)).ToList();
        Streams = Sim.StopRecording().Select(r => new RecordedStream(r.Descriptor, r.Samples)).ToList();
        return references;
    }

    /// <summary>Records <paramref name="seconds"/> while the world turns the rig.</summary>
    public void Turn(double seconds)
    {
        Sim.StartRecording();
        using (Sim.World.PausePeriodicEvents())
        using (Sim.World.Turn())
            Sim.RunFor(Duration.FromSeconds(seconds));
        Streams = Sim.StopRecording().Select(r => new RecordedStream(r.Descriptor, r.Samples)).ToList();
    }

    /// <summary>Records <paramref name="seconds"/> of the world's own periodic events.</summary>
    public void Record(double seconds)
    {
        Sim.StartRecording();
        Sim.RunFor(Duration.FromSeconds(seconds));
        Streams = Sim.StopRecording().Select(r => new RecordedStream(r.Descriptor, r.Samples)).ToList();
    }

    public RecordedStream Stream(string id) => Streams.Single(s => s.Descriptor.Id.Value == id);

    /// <summary>Rig time minus true time of each recorded sample of the stream, ns.</summary>
    public IEnumerable<double> SampleOffsetsNs(string id)
    {
        var sensor = Sim.SensorOf(new StreamId(id));
        return Stream(id).Samples.Select(s => (double)(s.Rig.Time - Sim.Clock.ToRig(sensor.DeviceClock.TrueTime(s.Sequence)).Time).Nanoseconds);
    }

    /// <summary>The stream's true offset: the mean of <see cref="SampleOffsetsNs"/>.</summary>
    public double TruthNs(string id) => SampleOffsetsNs(id).Average();

    /// <summary>The rig file's injected latency (plus the 10 ms exposure for cameras), ns.</summary>
    public double InjectedNs(string id)
    {
        var d = Rig.Devices.Single(x => x.StreamName == id);
        return (d.Clock.LatencyMs + (d.Kind == "camera" ? 10 : 0)) * 1e6;
    }

    public void Dispose() => Sim.Dispose();
}
