using System.Device.Gpio;
using EdgeRig.Core;
using EdgeRig.Devices.Simulation;

namespace EdgeRig.Devices.Gpio;

/// <summary>
/// The simulated rig's GPIO controller. Lines wired to the stimulus hardware (the trigger outputs: an LED, a buzzer, a tapper
/// and a moving LIDAR target) make the world fire a flash, click, bump and range step at the true time of their active edge.
/// Every edge is also stamped as the kernel stamps a GPIO edge event (host monotonic time, 2-8 µs of interrupt latency after
/// the edge), which <see cref="GpioOutput.Pulse"/> reports as the stimulus reference.
/// </summary>
public sealed class SimulatedGpioDriver : GpioDriver, IGpioEdgeStamps
{
    private readonly SimulatedWorld _world;
    private readonly IHostClock _clock;
    private readonly IReadOnlyDictionary<int, PinValue> _stimulusLines;
    private readonly Random _random;
    private readonly Dictionary<int, PinMode> _modes = [];
    private readonly Dictionary<int, PinValue> _levels = [];
    private readonly Dictionary<int, HostTime> _lastEdge = [];
    private readonly object _gate = new();

    /// <param name="stimulusLines">Lines that fire the world's stimulus, each with its active level.</param>
    public SimulatedGpioDriver(SimulatedWorld world, IHostClock clock, IReadOnlyDictionary<int, PinValue> stimulusLines)
    {
        _world = world;
        _clock = clock;
        _stimulusLines = stimulusLines;
        _random = new Random(SimulationSeed.For("gpio", world.Seed));
    }

    public bool TryGetLastEdge(int line, out HostTime stamp)
    {
        lock (_gate) return _lastEdge.TryGetValue(line, out stamp);
    }

    protected override int PinCount => 512;
    protected override void OpenPin(int pinNumber) { lock (_gate) _modes[pinNumber] = PinMode.Input; }
    protected override void ClosePin(int pinNumber) { lock (_gate) _modes.Remove(pinNumber); }
    protected override void SetPinMode(int pinNumber, PinMode mode) { lock (_gate) _modes[pinNumber] = mode; }
    protected override PinMode GetPinMode(int pinNumber) { lock (_gate) return _modes.GetValueOrDefault(pinNumber, PinMode.Input); }
    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => true;
    protected override PinValue Read(int pinNumber) { lock (_gate) return _levels.GetValueOrDefault(pinNumber, PinValue.Low); }
    protected override void Toggle(int pinNumber) => Write(pinNumber, Read(pinNumber) == PinValue.High ? PinValue.Low : PinValue.High);

    protected override void Write(int pinNumber, PinValue value)
    {
        lock (_gate)
        {
            if (_modes.GetValueOrDefault(pinNumber, PinMode.Input) != PinMode.Output)
                throw new InvalidOperationException($"GPIO line {pinNumber} is not an output");
            var before = _levels.GetValueOrDefault(pinNumber, PinValue.Low);
            _levels[pinNumber] = value;
            if (before == value) return;
            var edge = _stimulusLines.TryGetValue(pinNumber, out var active) && value == active
                ? _world.FireNow($"gpio line {pinNumber}").TrueTime
                : _clock.Now;
            var stamp = edge + Duration.FromMicroseconds(2 + _random.NextDouble() * 6);
            _lastEdge[pinNumber] = stamp;
        }
    }

    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken) =>
        throw new NotSupportedException("the simulated GPIO controller drives outputs only");
    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback) =>
        throw new NotSupportedException("the simulated GPIO controller drives outputs only");
    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback) =>
        throw new NotSupportedException("the simulated GPIO controller drives outputs only");
}
