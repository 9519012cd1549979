using System.Device.Gpio;
using EdgeRig.Core;

namespace EdgeRig.Devices.Gpio;

/// <summary>Kernel timestamps of the edges a GPIO controller drove (a line's edge event, or the simulated controller's).</summary>
public interface IGpioEdgeStamps
{
    /// <summary>The host time the kernel stamped the line's most recent edge with; false if it has none.</summary>
    bool TryGetLastEdge(int line, out HostTime stamp);
}

/// <summary>
/// A GPIO output through System.Device.Gpio: a camera trigger or flash strobe (pulses of pulseMs, on demand or at
/// rateHz) or the status LED (on, off, blinking). Rig file: kind "gpio-output", driver "gpiochip", line (BCM),
/// role, pulseMs, rateHz, activeLow. The controller is passed in (a LibGpiodDriver on the board, a fake in tests). When the
/// edges are kernel-stamped (<see cref="IGpioEdgeStamps"/>: the simulated controller, or a line looped back to an input), a
/// pulse reports its leading edge's stamp; otherwise the host time read just before the write (a few µs earlier). A pulse's
/// width is measured, and repeating pulses timed, on <c>time</c> (the system's clock unless a test passes its own).
/// </summary>
public sealed class GpioOutput : IDisposable
{
    private readonly GpioController _controller;
    private readonly IHostClock _clock;
    private readonly IGpioEdgeStamps? _edgeStamps;
    private readonly TimeProvider _time;
    private readonly PinValue _active, _inactive;
    private readonly object _gate = new();
    private ITimer? _timer;

    public GpioOutput(DeviceProfile profile, GpioController controller, IHostClock clock, IGpioEdgeStamps? edgeStamps = null, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        Profile = profile;
        _controller = controller;
        _clock = clock;
        _edgeStamps = edgeStamps;
        (_active, _inactive) = profile.ActiveLow ? (PinValue.Low, PinValue.High) : (PinValue.High, PinValue.Low);
        _controller.OpenPin(profile.Line, PinMode.Output, _inactive);
    }

    public DeviceProfile Profile { get; }

    /// <summary>Pulses sent so far.</summary>
    public long Pulses { get; private set; }

    /// <summary>Host time of the last pulse's leading edge (its kernel stamp if the edges are stamped, else just before the write).</summary>
    public HostTime LastPulseAt { get; private set; }

    /// <summary>Whether <see cref="Pulse"/> reports kernel edge stamps rather than the time just before the write.</summary>
    public bool KernelStamped => _edgeStamps is not null;

    /// <summary>Drives the line active for pulseMs, then inactive; returns when the pulse is over, with its leading edge's time.</summary>
    public HostTime Pulse()
    {
        lock (_gate)
        {
            var at = _clock.Now;
            _controller.Write(Profile.Line, _active);
            if (_edgeStamps is not null && _edgeStamps.TryGetLastEdge(Profile.Line, out var stamped)) at = stamped;
            var width = TimeSpan.FromMilliseconds(Profile.PulseMs);
            long start = _time.GetTimestamp();
            while (_time.GetElapsedTime(start) < width) Thread.SpinWait(50); // sub-millisecond pulses: a sleep would overshoot
            _controller.Write(Profile.Line, _inactive);
            Pulses++;
            LastPulseAt = at;
            return at;
        }
    }

    /// <summary>Turns the status LED (or any output) steadily on or off.</summary>
    public void Set(bool on)
    {
        StopRepeating();
        lock (_gate) _controller.Write(Profile.Line, on ? _active : _inactive);
    }

    /// <summary>Blinks the LED, or fires the trigger/strobe periodically, at <paramref name="rateHz"/> (default: the rig file's).</summary>
    public void StartRepeating(double? rateHz = null)
    {
        double hz = rateHz ?? Profile.RateHz;
        if (hz <= 0) throw new ArgumentOutOfRangeException(nameof(rateHz), $"{Profile.Id}: a repeating output needs a rate > 0, was {hz}");
        StopRepeating();
        var period = TimeSpan.FromSeconds(1 / hz);
        bool ledOn = false;
        _timer = _time.CreateTimer(_ =>
        {
            if (Profile.Role == "status-led")
                lock (_gate) _controller.Write(Profile.Line, (ledOn = !ledOn) ? _active : _inactive);
            else
                Pulse();
        }, null, TimeSpan.Zero, period);
    }

    public void StopRepeating()
    {
        _timer?.Dispose(); // a callback already running finishes its pulse under the gate
        _timer = null;
    }

    public void Dispose()
    {
        StopRepeating();
        lock (_gate)
        {
            _controller.Write(Profile.Line, _inactive);
            _controller.ClosePin(Profile.Line);
        }
    }
}
