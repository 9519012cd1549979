using System.Diagnostics;
using EdgeRig.Core;
using EdgeRig.Formats;
using EdgeRig.Devices.Simulation;

namespace EdgeRig.Devices.Gpio;

/// <summary>
/// A simulated marker push-button on a GPIO line, pressed at random (exponential intervals of a given mean).
/// Each press yields a rising and, 120 ms later, a falling edge, stamped as the kernel stamps GPIO edges
/// (host monotonic time, with a few microseconds of interrupt latency).
/// </summary>
public sealed class SimulatedMarkerButton : ISensor
{
    public static readonly Duration PressLength = Duration.FromMilliseconds(120);

    private readonly DeviceProfile _profile;
    private readonly IRigClock _clock;
    private readonly Random _random;
    private Thread? _thread;
    private volatile bool _stopping;
    private long _sequence;
    private HostTime _next;

    public SimulatedMarkerButton(DeviceProfile profile, SimulatedWorld world, IRigClock clock)
    {
        _profile = profile;
        _clock = clock;
        _random = new Random(HashCode.Combine(profile.Id, world.Origin.Nanoseconds));
        Descriptor = DescriptorFor(profile);
        _next = world.Origin + NextInterval();
    }

    public static StreamDescriptor DescriptorFor(DeviceProfile p) =>
        new(new StreamId(p.StreamName), Modality.Gpio, Encodings.GpioEdge, 0, "edge", p.Id, p.FrameId)
        {
            Timestamps = TimestampSource.HostKernel,
            Parameters = new Dictionary<string, string> { ["line"] = p.Line.ToString(), ["role"] = "marker-button" },
        };

    public StreamDescriptor Descriptor { get; }
    public string DeviceId => _profile.Id;
    public IReadOnlyList<StreamDescriptor> Streams => [Descriptor];

    /// <summary>Publishes the next press (both edges) without waiting; returns the rising edge's time.</summary>
    public HostTime PressNext(ISampleSink sink) => Press(sink, wait: false);

    public Task StartAsync(ISampleSink sink, CancellationToken cancellationToken)
    {
        _stopping = false;
        _thread = new Thread(() =>
        {
            while (!_stopping && !cancellationToken.IsCancellationRequested)
                Press(sink, wait: true);
        })
        { IsBackground = true, Name = $"sim-{DeviceId}" };
        _thread.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync()
    {
        _stopping = true;
        _thread?.Join();
        _thread = null;
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private HostTime Press(ISampleSink sink, bool wait)
    {
        var rising = _next;
        var falling = rising + PressLength;
        _next = falling + NextInterval();
        if (wait && !SimulatedSensor.WaitUntil(_clock, falling, () => _stopping)) return rising;
        Publish(sink, rising, true);
        Publish(sink, falling, false);
        return rising;
    }

    private void Publish(ISampleSink sink, HostTime edge, bool rising)
    {
        var stamped = edge + Duration.FromMicroseconds(3 + _random.NextDouble() * 5);
        sink.Publish(new Sample(Descriptor.Id, _sequence++, new SensorTime(stamped.Nanoseconds), stamped, default, new GpioEdgePayload((byte)_profile.Line, rising).ToArray()));
    }

    private Duration NextInterval()
    {
        double s = -Math.Log(1 - _random.NextDouble()) * _profile.MeanIntervalSeconds;
        Debug.Assert(s >= 0);
        return Duration.FromSeconds(Math.Max(0.5, s));
    }
}
