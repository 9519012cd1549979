using EdgeRig.Core;

namespace EdgeRig.Timing;

/// <summary>
/// The real rig clock: host time is CLOCK_MONOTONIC, rig time is CLOCK_REALTIME as kept by ptp4l + phc2sys.
/// Host-to-rig conversion uses an offset measured from bracketed clock reads (monotonic, realtime, monotonic),
/// refreshed at most every <see cref="RefreshInterval"/>, so a step of the realtime clock is picked up.
/// </summary>
public sealed class SystemRigClock : IRigClock
{
    private readonly Func<int, long> _read;

    /// <param name="readClock">reads a clock id in ns; clock_gettime unless a test substitutes its own clocks.</param>
    public SystemRigClock(Func<int, long>? readClock = null) => _read = readClock ?? LinuxClock.ReadNanoseconds;

    private readonly object _gate = new();
    private long _offsetNs;
    private long _boundNs;
    private long _measuredAtMono = long.MinValue;

    public static readonly Duration RefreshInterval = Duration.FromMilliseconds(250);

    public HostTime Now => new(_read(LinuxClock.Monotonic));

    public RigTime RigNow => new(_read(LinuxClock.Realtime));

    public RigTimestamp ToRig(HostTime host)
    {
        long now = _read(LinuxClock.Monotonic);
        lock (_gate)
        {
            if (_measuredAtMono == long.MinValue || now - _measuredAtMono > RefreshInterval.Nanoseconds)
                Measure(now);
            return new RigTimestamp(new RigTime(host.Nanoseconds + _offsetNs), new Duration(_boundNs));
        }
    }

    private void Measure(long now)
    {
        long bestBracket = long.MaxValue;
        for (int i = 0; i < 5; i++)
        {
            long m1 = _read(LinuxClock.Monotonic);
            long r = _read(LinuxClock.Realtime);
            long m2 = _read(LinuxClock.Monotonic);
            long bracket = m2 - m1;
            if (bracket < bestBracket)
            {
                bestBracket = bracket;
                _offsetNs = r - (m1 + bracket / 2);
                _boundNs = bracket / 2 + 1;
            }
        }
        _measuredAtMono = now;
    }
}
