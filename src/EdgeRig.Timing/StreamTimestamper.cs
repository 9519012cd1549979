using System.Collections.Concurrent;
using EdgeRig.Core;

namespace EdgeRig.Timing;

/// <summary>
/// The timing stage of the pipeline: gives each sample its rig time and error bound. Streams with their own
/// clock go through a per-stream <see cref="ClockMapper"/>; streams stamped by the kernel map host time
/// directly. Known latencies (a block's or scan's length) are subtracted.
/// </summary>
public sealed class StreamTimestamper(IRigClock rigClock)
{
    private readonly ConcurrentDictionary<StreamId, (StreamDescriptor Descriptor, ClockMapper? Mapper)> _streams = new();

    public void Register(StreamDescriptor descriptor)
    {
        ClockMapper? mapper = descriptor.Timestamps == TimestampSource.SensorClock
            ? new ClockMapper(new ClockMapperOptions { TickRateHz = descriptor.SensorTickRateHz, WrapModulus = descriptor.SensorWrapModulus }, rigClock)
            : null;
        _streams[descriptor.Id] = (descriptor, mapper);
    }

    /// <summary>The stream's mapper, for status (drift, resets); null for kernel-stamped streams.</summary>
    public ClockMapper? MapperOf(StreamId stream) => _streams.TryGetValue(stream, out var s) ? s.Mapper : null;

    /// <summary>Returns the sample with its rig time set. Calls for one stream must come from one thread.</summary>
    public Sample Stamp(Sample sample)
    {
        if (!_streams.TryGetValue(sample.Stream, out var s))
            throw new InvalidOperationException($"stream '{sample.Stream}' was never registered with the timing stage");
        RigTimestamp rig = s.Mapper is { } mapper
            ? mapper.Map(sample.SensorTime, sample.HostTime)
            : rigClock.ToRig(sample.HostTime);
        if (s.Descriptor.KnownLatency != Duration.Zero)
            rig = rig with { Time = rig.Time - s.Descriptor.KnownLatency };
        return sample with { Rig = rig };
    }
}
