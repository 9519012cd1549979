namespace EdgeRig.Core;

/// <summary>A span of time in integer nanoseconds; the only type the three clock domains share.</summary>
public readonly record struct Duration(long Nanoseconds) : IComparable<Duration>
{
    public static readonly Duration Zero = new(0);
    public static Duration FromSeconds(double s) => new((long)Math.Round(s * 1e9));
    public static Duration FromMilliseconds(double ms) => new((long)Math.Round(ms * 1e6));
    public static Duration FromMicroseconds(double us) => new((long)Math.Round(us * 1e3));
    public double TotalSeconds => Nanoseconds / 1e9;
    public double TotalMilliseconds => Nanoseconds / 1e6;
    public TimeSpan ToTimeSpan() => TimeSpan.FromTicks(Nanoseconds / 100);
    public static Duration operator +(Duration a, Duration b) => new(a.Nanoseconds + b.Nanoseconds);
    public static Duration operator -(Duration a, Duration b) => new(a.Nanoseconds - b.Nanoseconds);
    public static Duration operator -(Duration a) => new(-a.Nanoseconds);
    public static Duration operator *(Duration a, long k) => new(a.Nanoseconds * k);
    public static bool operator <(Duration a, Duration b) => a.Nanoseconds < b.Nanoseconds;
    public static bool operator >(Duration a, Duration b) => a.Nanoseconds > b.Nanoseconds;
    public static bool operator <=(Duration a, Duration b) => a.Nanoseconds <= b.Nanoseconds;
    public static bool operator >=(Duration a, Duration b) => a.Nanoseconds >= b.Nanoseconds;
    public int CompareTo(Duration other) => Nanoseconds.CompareTo(other.Nanoseconds);
    public override string ToString() => $"{TotalMilliseconds:0.###} ms";
}

/// <summary>A reading of a device's own counter (frame counter, FIFO index, audio frame index, LIDAR packet time), in ticks of that device.</summary>
public readonly record struct SensorTime(long Ticks)
{
    public override string ToString() => $"sensor:{Ticks}";
}

/// <summary>An instant on this host's CLOCK_MONOTONIC, in nanoseconds.</summary>
public readonly record struct HostTime(long Nanoseconds) : IComparable<HostTime>
{
    public static HostTime operator +(HostTime t, Duration d) => new(t.Nanoseconds + d.Nanoseconds);
    public static HostTime operator -(HostTime t, Duration d) => new(t.Nanoseconds - d.Nanoseconds);
    public static Duration operator -(HostTime a, HostTime b) => new(a.Nanoseconds - b.Nanoseconds);
    public static bool operator <(HostTime a, HostTime b) => a.Nanoseconds < b.Nanoseconds;
    public static bool operator >(HostTime a, HostTime b) => a.Nanoseconds > b.Nanoseconds;
    public static bool operator <=(HostTime a, HostTime b) => a.Nanoseconds <= b.Nanoseconds;
    public static bool operator >=(HostTime a, HostTime b) => a.Nanoseconds >= b.Nanoseconds;
    public int CompareTo(HostTime other) => Nanoseconds.CompareTo(other.Nanoseconds);
    public override string ToString() => $"mono:{Nanoseconds}";
}

/// <summary>An instant on the rig timeline: nanoseconds since the Unix epoch on the PTP-disciplined CLOCK_REALTIME.</summary>
public readonly record struct RigTime(long Nanoseconds) : IComparable<RigTime>
{
    public static RigTime operator +(RigTime t, Duration d) => new(t.Nanoseconds + d.Nanoseconds);
    public static RigTime operator -(RigTime t, Duration d) => new(t.Nanoseconds - d.Nanoseconds);
    public static Duration operator -(RigTime a, RigTime b) => new(a.Nanoseconds - b.Nanoseconds);
    public static bool operator <(RigTime a, RigTime b) => a.Nanoseconds < b.Nanoseconds;
    public static bool operator >(RigTime a, RigTime b) => a.Nanoseconds > b.Nanoseconds;
    public static bool operator <=(RigTime a, RigTime b) => a.Nanoseconds <= b.Nanoseconds;
    public static bool operator >=(RigTime a, RigTime b) => a.Nanoseconds >= b.Nanoseconds;
    public int CompareTo(RigTime other) => Nanoseconds.CompareTo(other.Nanoseconds);
    public DateTimeOffset ToDateTimeOffset() => DateTimeOffset.UnixEpoch.AddTicks(Nanoseconds / 100);
    public static RigTime FromDateTimeOffset(DateTimeOffset t) => new((t - DateTimeOffset.UnixEpoch).Ticks * 100);
    public override string ToString() => ToDateTimeOffset().ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ");
}

/// <summary>A rig time together with how far from the truth it may be (a bound, not a standard deviation).</summary>
public readonly record struct RigTimestamp(RigTime Time, Duration ErrorBound);
