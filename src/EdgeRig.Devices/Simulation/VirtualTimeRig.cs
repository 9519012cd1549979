using EdgeRig.Core;
using EdgeRig.Devices.Gpio;
using EdgeRig.Timing;

namespace EdgeRig.Devices.Simulation;

/// <summary>
/// A simulated rig run faster than real time, for tests and benchmarks: a <see cref="FakeRigClock"/> jumps from one delivery
/// to the next and each twin produces exactly when its data would reach the host, through the same timing stage the recorder
/// uses (per-stream clock mappers). The same rig file and world seed give the same samples. GPIO outputs are the simulated
/// ones (a trigger pulse fires the world's stimulus at the clock's current instant); marker buttons are left out.
/// </summary>
public sealed class VirtualTimeRig : IDisposable
{
    private readonly List<SimulatedSensor> _sensors;
    private readonly StreamTimestamper _timestamper;
    private readonly Dictionary<StreamId, List<Sample>> _recorded = [];
    private bool _recording;

    public VirtualTimeRig(RigProfile rig, FakeRigClock? clock = null)
    {
        Clock = clock ?? new FakeRigClock();
        World = new SimulatedWorld(rig.World, Clock);
        _sensors = SimulatedRig.Create(rig, World, Clock).OfType<SimulatedSensor>().ToList();
        Outputs = SimulatedRig.CreateOutputs(rig, World, Clock, _ => throw new InvalidOperationException("a virtual-time rig drives simulated outputs only"));
        _timestamper = new StreamTimestamper(Clock);
        foreach (var s in _sensors) _timestamper.Register(s.Descriptor);
    }

    public FakeRigClock Clock { get; }
    public SimulatedWorld World { get; }
    public RigOutputs Outputs { get; }
    public IReadOnlyList<SimulatedSensor> Sensors => _sensors;

    /// <summary>The twin that produces <paramref name="stream"/> (its device clock knows every sample's true time).</summary>
    public SimulatedSensor SensorOf(StreamId stream) => _sensors.Single(s => s.Descriptor.Id == stream);

    /// <summary>Delivers everything the host would see in the next <paramref name="length"/>, in delivery order.</summary>
    public void RunFor(Duration length)
    {
        var until = Clock.Now + length;
        var sink = new Sink(this);
        while (_sensors.Count > 0)
        {
            var next = _sensors.MinBy(s => s.NextDelivery)!;
            var at = next.NextDelivery;
            if (at > until) break;
            if (at > Clock.Now) Clock.Advance(at - Clock.Now);
            next.ProduceNext(sink);
        }
        if (until > Clock.Now) Clock.Advance(until - Clock.Now);
    }

    /// <summary>
    /// A stimulus run in virtual time, world events paused: waits <paramref name="settle"/>, pulses the trigger after each
    /// interval, waits <paramref name="tail"/>. Returns each pulse's edge stamp in rig time (the run's references).
    /// </summary>
    public IReadOnlyList<RigTime> PulseTrigger(Duration settle, IEnumerable<Duration> intervals, Duration tail)
    {
        var trigger = Outputs.Trigger() ?? throw new InvalidOperationException("the rig has no trigger output");
        var edges = new List<RigTime>();
        using (World.PausePeriodicEvents())
        {
            RunFor(settle);
            foreach (var interval in intervals)
            {
                RunFor(interval);
                edges.Add(Clock.ToRig(trigger.Pulse()).Time);
            }
            RunFor(tail);
        }
        return edges;
    }

    /// <summary>From now on, stamped samples are kept (as the recorder would store them).</summary>
    public void StartRecording()
    {
        _recorded.Clear();
        _recording = true;
    }

    /// <summary>Stops keeping samples; returns every stream's descriptor with its stamped samples in delivery order.</summary>
    public IReadOnlyList<(StreamDescriptor Descriptor, IReadOnlyList<Sample> Samples)> StopRecording()
    {
        _recording = false;
        return _sensors.Select(s => (s.Descriptor, (IReadOnlyList<Sample>)(_recorded.TryGetValue(s.Descriptor.Id, out var l) ? l : []))).ToList();
    }

    public void Dispose()
    {
        Outputs.Dispose();
        foreach (var s in _sensors) s.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    private sealed class Sink(VirtualTimeRig rig) : ISampleSink
    {
        public void Publish(Sample sample)
        {
            var stamped = rig._timestamper.Stamp(sample);
            if (!rig._recording) return;
            if (!rig._recorded.TryGetValue(sample.Stream, out var list)) rig._recorded[sample.Stream] = list = [];
            list.Add(stamped);
        }
    }
}
