using EdgeRig.Core;

namespace EdgeRig.Timing;

/// <summary>A rig clock for tests: advanced by hand, with a settable host-to-rig offset and bound.</summary>
public sealed class FakeRigClock(long startHostNs = 1_000_000_000, long rigOffsetNs = 1_700_000_000_000_000_000) : IRigClock
{
    private long _host = startHostNs;

    public long RigOffsetNs { get; set; } = rigOffsetNs;
    public Duration Bound { get; set; } = Duration.FromMicroseconds(1);

    public HostTime Now => new(Interlocked.Read(ref _host));
    public RigTime RigNow => new(Now.Nanoseconds + RigOffsetNs);
    public RigTimestamp ToRig(HostTime host) => new(new RigTime(host.Nanoseconds + RigOffsetNs), Bound);
    public void Advance(Duration d) => Interlocked.Add(ref _host, d.Nanoseconds);
}
