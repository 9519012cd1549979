using EdgeRig.Core;

namespace EdgeRig.Devices.Simulation;

/// <summary>
/// The capture loop shared by the periodic simulated twins: it waits (on its own thread) until the host would
/// see the next sample or FIFO burst, renders the payload from the shared world, and publishes it.
/// <see cref="ProduceNext"/> does one step without waiting, for tests that drive the twin by hand (and
/// <see cref="NextDelivery"/> says when that step's data reaches the host, for a virtual-time driver). Faults from the rig
/// file are active by true time since the twin's first sample; an imu "gap" (any twin's) withholds samples while sequence
/// numbers keep counting, the other kinds are rendered by the twin itself.
/// </summary>
public abstract class SimulatedSensor : ISensor
{
    private readonly int _burst;
    private Thread? _thread;
    private volatile bool _stopping;
    private long _next;
    private HostTime? _pendingDelivery;

    protected SimulatedSensor(DeviceProfile profile, StreamDescriptor descriptor, SimulatedWorld world, IRigClock clock, int burst = 1)
    {
        Profile = profile;
        Descriptor = descriptor;
        World = world;
        Clock = clock;
        _burst = burst;
        DeviceClock = new SimulatedDeviceClock(profile.Clock, world.Origin + Duration.FromMilliseconds(1), descriptor.NominalRateHz,
            descriptor.SensorTickRateHz, SimulationSeed.For(profile.Id, world.Seed ^ 0x5eed));
    }

    protected DeviceProfile Profile { get; }
    protected SimulatedWorld World { get; }
    protected IRigClock Clock { get; }
    public StreamDescriptor Descriptor { get; }
    public SimulatedDeviceClock DeviceClock { get; }

    public string DeviceId => Profile.Id;
    public IReadOnlyList<StreamDescriptor> Streams => [Descriptor];

    /// <summary>How long after a sample's start its data is complete (an audio block's length, a LIDAR scan's).</summary>
    protected virtual Duration DataSpan => Duration.Zero;

    /// <summary>Renders the payload of sample k, which started at true time <paramref name="trueStart"/>.</summary>
    protected abstract ReadOnlyMemory<byte> Render(long k, HostTime trueStart);

    /// <summary>The sensor timestamp of sample k (the device counter, possibly wrapped).</summary>
    protected virtual SensorTime StampFor(long k) => DeviceClock.SensorTime(k);

    /// <summary>Computes, renders and publishes the next burst; returns when the host sees it.</summary>
    public HostTime ProduceNext(ISampleSink sink) => Produce(sink, wait: false);

    /// <summary>When the host will see the next burst (fixed once asked: the link's jitter is drawn here).</summary>
    public HostTime NextDelivery => _pendingDelivery ??= DeviceClock.Delivery(DeviceClock.TrueTime(_next + _burst - 1) + DataSpan);

    /// <summary>The rig file's fault active at <paramref name="trueTime"/> (seconds since sample 0), if any.</summary>
    protected FaultProfile? FaultAt(HostTime trueTime)
    {
        if (Profile.Faults.Count == 0) return null;
        double s = (trueTime - DeviceClock.Origin).TotalSeconds;
        return Profile.Faults.FirstOrDefault(f => s >= f.AtSeconds && s < f.AtSeconds + f.DurationSeconds);
    }

    /// <summary>Throws <see cref="IOException"/> naming what is missing when the twin cannot run here (e.g. its codec library).</summary>
    protected virtual void CheckCanStart() { }

    public Task StartAsync(ISampleSink sink, CancellationToken cancellationToken)
    {
        if (_thread is not null) throw new InvalidOperationException($"{DeviceId} is already running");
        CheckCanStart();
        _stopping = false;
        _thread = new Thread(() =>
        {
            while (!_stopping && !cancellationToken.IsCancellationRequested)
                Produce(sink, wait: true);
        })
        { IsBackground = true, Name = $"sim-{DeviceId}", Priority = ThreadPriority.AboveNormal };
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

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        GC.SuppressFinalize(this);
        DisposeResources();
    }

    protected virtual void DisposeResources() { }

    private HostTime Produce(ISampleSink sink, bool wait)
    {
        long first = _next;
        var delivery = NextDelivery;
        if (wait && !WaitUntil(Clock, delivery, () => _stopping)) return delivery;
        _pendingDelivery = null;
        for (long k = first; k < first + _burst; k++)
        {
            if (DeviceClock.Drops()) continue;
            var trueTime = DeviceClock.TrueTime(k);
            if (FaultAt(trueTime)?.Kind == "gap") continue;
            var payload = Render(k, trueTime);
            sink.Publish(new Sample(Descriptor.Id, k, StampFor(k), delivery, default, payload));
        }
        _next = first + _burst;
        return delivery;
    }

    /// <summary>Sleeps until the host clock reaches <paramref name="t"/>; false if asked to stop first.</summary>
    internal static bool WaitUntil(IHostClock clock, HostTime t, Func<bool> stopping)
    {
        while (true)
        {
            if (stopping()) return false;
            var remaining = t - clock.Now;
            if (remaining <= Duration.Zero) return true;
            Thread.Sleep(TimeSpan.FromTicks(Math.Min(remaining.Nanoseconds / 100, TimeSpan.TicksPerMillisecond * 50)));
        }
    }
}
