using EdgeRig.Core;
using EdgeRig.Timing;

namespace EdgeRig.Timing.Tests;

public class StreamTimestamperTests
{
    [Fact]
    public void Stamp_KernelStampedStream_MapsHostTimeDirectly()
    {
        var clock = new FakeRigClock(rigOffsetNs: 500);
        var t = new StreamTimestamper(clock);
        var d = new StreamDescriptor(new StreamId("button0"), Modality.Gpio, Encodings.GpioEdge, 0, "", "b", "rig") { Timestamps = TimestampSource.HostKernel };
        t.Register(d);
        var s = t.Stamp(new Sample(d.Id, 0, new SensorTime(123), new HostTime(1_000), default, Array.Empty<byte>()));
        Assert.Equal(1_500, s.Rig.Time.Nanoseconds);
        Assert.Null(t.MapperOf(d.Id));
    }

    [Fact]
    public void Stamp_KnownLatency_IsSubtracted()
    {
        var clock = new FakeRigClock(rigOffsetNs: 0);
        var t = new StreamTimestamper(clock);
        var d = new StreamDescriptor(new StreamId("mic0"), Modality.Audio, Encodings.PcmS16Le, 100, "", "m", "m")
        { Timestamps = TimestampSource.HostKernel, KnownLatency = Duration.FromMilliseconds(10) };
        t.Register(d);
        var s = t.Stamp(new Sample(d.Id, 0, default, new HostTime(50_000_000), default, Array.Empty<byte>()));
        Assert.Equal(40_000_000, s.Rig.Time.Nanoseconds);
    }

    [Fact]
    public void Stamp_UnregisteredStream_Throws()
    {
        var t = new StreamTimestamper(new FakeRigClock());
        Assert.Throws<InvalidOperationException>(() => t.Stamp(new Sample(new StreamId("x"), 0, default, default, default, Array.Empty<byte>())));
    }

    [Fact]
    public void SystemRigClock_RealtimeSteps_MappingFollowsAfterRefresh()
    {
        long mono = 1_000_000_000, realtimeOffset = 1_700_000_000_000_000_000;
        var clock = new SystemRigClock(id => id == LinuxClock.Monotonic ? mono += 1000 : mono + realtimeOffset);
        var before = clock.ToRig(new HostTime(5_000_000_000));
        Assert.InRange(before.Time.Nanoseconds - (5_000_000_000 + realtimeOffset), -2000, 2000);
        realtimeOffset += 1_000_000_000; // phc2sys (or an operator) stepped CLOCK_REALTIME by +1 s
        mono += SystemRigClock.RefreshInterval.Nanoseconds + 1;
        var after = clock.ToRig(new HostTime(5_000_000_000));
        Assert.InRange(after.Time.Nanoseconds - (5_000_000_000 + realtimeOffset), -2000, 2000);
        Assert.True(after.ErrorBound < Duration.FromMicroseconds(5));
    }

    [Fact]
    public void SystemRigClock_MapsMonotonicNearRealtime()
    {
        var clock = new SystemRigClock();
        var now = clock.Now;
        var mapped = clock.ToRig(now);
        long realtime = clock.RigNow.Nanoseconds;
        Assert.InRange(realtime - mapped.Time.Nanoseconds, -5_000_000, 50_000_000);
        Assert.True(mapped.ErrorBound < Duration.FromMilliseconds(1));
    }
}
