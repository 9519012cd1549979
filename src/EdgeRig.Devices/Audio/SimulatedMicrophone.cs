using System.Buffers.Binary;
using EdgeRig.Core;
using EdgeRig.Devices.Simulation;

namespace EdgeRig.Devices.Audio;

/// <summary>
/// A simulated microphone: interleaved s16le blocks of a quiet tone plus noise, with a sharp click at the
/// exact sample where a world event happens. Its sensor time is the frame index of a block's first frame.
/// Faults: "clip" (a gain that drives the signal into the int16 limits), "silence" (digital zeros).
/// </summary>
public sealed class SimulatedMicrophone : SimulatedSensor
{
    /// <summary>Length of the click heard at each world event.</summary>
    public static readonly Duration ClickLength = Duration.FromMilliseconds(3);

    /// <summary>Gain of a "clip" fault: the 900-count tone peaks at 36 000, past the int16 limits.</summary>
    public const double ClipGain = 40;

    private readonly int _channels;
    private readonly int _blockFrames;
    private readonly double _sampleRate;
    private readonly Random _noise;

    public SimulatedMicrophone(DeviceProfile profile, SimulatedWorld world, IRigClock clock)
        : base(profile, DescriptorFor(profile), world, clock)
    {
        _channels = profile.Channels;
        _blockFrames = profile.BlockFrames;
        _sampleRate = profile.RateHz;
        _noise = new Random(SimulationSeed.For(profile.Id, world.Seed));
    }

    public static StreamDescriptor DescriptorFor(DeviceProfile p) =>
        new(new StreamId(p.StreamName), Modality.Audio, Encodings.PcmS16Le, p.RateHz / p.BlockFrames, "", p.Id, p.FrameId)
        {
            SensorTickRateHz = p.RateHz,
            KnownLatency = Duration.FromSeconds(p.BlockFrames / p.RateHz),
            Parameters = new Dictionary<string, string>
            {
                ["sampleRate"] = p.RateHz.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["channels"] = p.Channels.ToString(),
                ["blockFrames"] = p.BlockFrames.ToString(),
            },
        };

    protected override Duration DataSpan => Duration.FromSeconds(_blockFrames / _sampleRate);

    protected override ReadOnlyMemory<byte> Render(long k, HostTime trueStart)
    {
        var buffer = new byte[_blockFrames * _channels * 2];
        double framePeriodNs = DeviceClock.TruePeriod.Nanoseconds / (double)_blockFrames;
        var blockEnd = trueStart + DeviceClock.TruePeriod;
        var evt = World.LastEventAtOrBefore(blockEnd);
        long firstFrame = k * _blockFrames;
        for (int f = 0; f < _blockFrames; f++)
        {
            double tNs = trueStart.Nanoseconds + f * framePeriodNs;
            var fault = FaultAt(new HostTime((long)tNs))?.Kind;
            if (fault == "silence") continue; // the buffer is already zero
            double value = 900 * Math.Sin(2 * Math.PI * 440 * (firstFrame + f) / _sampleRate) + (_noise.NextDouble() - 0.5) * 300;
            if (evt is not null)
            {
                double since = tNs - evt.TrueTime.Nanoseconds;
                if (since >= 0 && since < ClickLength.Nanoseconds)
                    value += 24000 * Math.Exp(-since / 6e5) * (((long)(since / 1e5) & 1) == 0 ? 1 : -1);
            }
            if (fault == "clip") value *= ClipGain;
            short s = (short)Math.Clamp(value, short.MinValue, short.MaxValue);
            for (int c = 0; c < _channels; c++)
                BinaryPrimitives.WriteInt16LittleEndian(buffer.AsSpan((f * _channels + c) * 2), c == 0 ? s : (short)(s * 0.8));
        }
        return buffer;
    }
}
