using System.Device.Gpio;
using EdgeRig.Core;
using EdgeRig.Devices.Gpio;
using EdgeRig.Timing;
using Microsoft.Extensions.Time.Testing;

namespace EdgeRig.Devices.Tests.Gpio;

/// <summary>A GpioDriver that records every write with its time (a timestamp of <paramref name="time"/>), for the outputs' tests.</summary>
internal sealed class RecordingGpioDriver(TimeProvider? time = null) : GpioDriver
{
    private readonly Dictionary<int, PinMode> _modes = [];
    public List<(int Pin, PinValue Value, long Ticks)> Writes { get; } = [];

    protected override int PinCount => 28;
    protected override void OpenPin(int pinNumber) => _modes[pinNumber] = PinMode.Input;
    protected override void ClosePin(int pinNumber) => _modes.Remove(pinNumber);
    protected override void SetPinMode(int pinNumber, PinMode mode) => _modes[pinNumber] = mode;
    protected override PinMode GetPinMode(int pinNumber) => _modes[pinNumber];
    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => true;
    protected override PinValue Read(int pinNumber) => Writes.LastOrDefault(w => w.Pin == pinNumber).Value;
    protected override void Toggle(int pinNumber) => Write(pinNumber, !Read(pinNumber));

    protected override void Write(int pinNumber, PinValue value)
    {
        if (_modes[pinNumber] != PinMode.Output) throw new InvalidOperationException($"pin {pinNumber} is not an output");
        lock (Writes) Writes.Add((pinNumber, value, (time ?? TimeProvider.System).GetTimestamp()));
    }

    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken) => throw new NotSupportedException();
    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback) => throw new NotSupportedException();
    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback) => throw new NotSupportedException();
}

/// <summary>A monotonic clock that moves one step forward each time it is read: a spin-wait on it ends after a known number of reads.</summary>
internal sealed class SteppingTimeProvider(TimeSpan step) : TimeProvider
{
    private long _ticks;
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    public override long GetTimestamp() => Interlocked.Add(ref _ticks, step.Ticks);
}

/// <summary>Timers fired by <see cref="FakeTimeProvider.Advance"/>, and a monotonic clock that steps forward on every read (pulse widths).</summary>
internal sealed class ManualTimersSteppingClock : FakeTimeProvider
{
    private long _ticks;
    public override long GetTimestamp() => Interlocked.Add(ref _ticks, TimeSpan.FromMicroseconds(100).Ticks);
}

public class GpioOutputTests
{
    private static DeviceProfile Output(string role, bool activeLow = false, double rate = 0) =>
        new() { Id = role, Kind = "gpio-output", Driver = "gpiochip", Path = "/dev/gpiochip0", Line = 23, Role = role, PulseMs = 2, ActiveLow = activeLow, RateHz = rate };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Pulse_DrivesActiveForPulseMsThenInactive(bool activeLow)
    {
        var step = TimeSpan.FromMicroseconds(100);
        var time = new SteppingTimeProvider(step);
        var driver = new RecordingGpioDriver(time);
        using var controller = new GpioController(driver);
        using (var trigger = new GpioOutput(Output("trigger", activeLow), controller, new SystemRigClock(), time: time))
            trigger.Pulse();
        var w = driver.Writes;
        PinValue active = activeLow ? PinValue.Low : PinValue.High;
        Assert.Equal(!active, w[0].Value);                  // opened inactive
        Assert.Equal(active, w[1].Value);
        Assert.Equal(!active, w[2].Value);
        // on the output's clock the line is released once pulseMs (2) has passed, not before and not much after: the driver's
        // stamps and the output's own reads advance the clock, a few steps at most beyond the 20 the pulse spins through
        var width = time.GetElapsedTime(w[1].Ticks, w[2].Ticks);
        Assert.InRange(width, TimeSpan.FromMilliseconds(2), TimeSpan.FromMilliseconds(2) + 3 * step);
        Assert.All(w, x => Assert.Equal(23, x.Pin));
        Assert.Equal(!active, w[^1].Value);                 // left inactive when disposed
    }

    [Fact]
    public void RepeatingStrobe_PulsesAtTheRate_StopsWhenAsked()
    {
        var time = new ManualTimersSteppingClock();
        var driver = new RecordingGpioDriver(time);
        using var controller = new GpioController(driver);
        using var strobe = new GpioOutput(Output("strobe", rate: 50), controller, new SystemRigClock(), time: time);
        strobe.StartRepeating();                            // the first pulse at once, then one every 20 ms
        time.Advance(TimeSpan.FromMilliseconds(300));
        Assert.Equal(1 + 300 / 20, strobe.Pulses);
        strobe.StopRepeating();
        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(1 + 300 / 20, strobe.Pulses);
        Assert.Equal(1 + 2 * strobe.Pulses, driver.Writes.Count);
    }

    [Fact]
    public void StatusLed_OnOff_AndRepeatingNeedsARate()
    {
        var driver = new RecordingGpioDriver();
        using var controller = new GpioController(driver);
        using var led = new GpioOutput(Output("status-led"), controller, new SystemRigClock());
        led.Set(true);
        led.Set(false);
        Assert.Equal([PinValue.Low, PinValue.High, PinValue.Low], driver.Writes.Select(w => w.Value));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => led.StartRepeating());
        Assert.Contains("status-led", e.Message);
    }
}
