using System.Runtime.InteropServices;
using EdgeRig.Core;

namespace EdgeRig.Quality;

/// <summary>
/// Audio checks per block (one sample = one block of interleaved s16le frames): RMS level in dBFS over all channels,
/// clipped samples (|x| ≥ 32767, or -32768), and silent stretches (consecutive blocks under SilenceDbfs).
/// </summary>
internal sealed class AudioAnalyzer : SignalAnalyzer
{
    /// <summary>Level reported for a block of digital zeros.</summary>
    public const double FloorDbfs = -120;

    /// <summary>Clipped blocks closer than this belong to one clipped stretch.</summary>
    public static readonly Duration ClipMergeWithin = Duration.FromMilliseconds(250);

    private readonly int _channels;
    private readonly double _sampleRate;
    private readonly RunLog _silence, _clipped = new(ReportContext.ListedPerCheck, mergeWithin: ClipMergeWithin);
    private long _blocks, _samples, _clippedSamples;
    private double _sumSquares, _minDbfs = double.MaxValue, _maxDbfs = double.MinValue;

    public AudioAnalyzer(StreamDescriptor d, QaProfile p) : base(d, p)
    {
        _channels = Math.Max(1, (int)Parameter(d, "channels", 1));
        double blockFrames = Parameter(d, "blockFrames", 0);
        _sampleRate = Parameter(d, "sampleRate", blockFrames > 0 && d.NominalRateHz > 0 ? blockFrames * d.NominalRateHz : 0);
        // "longer than SilenceWarnSeconds"
        _silence = new RunLog(ReportContext.ListedPerCheck, minSeconds: p.SilenceWarnSeconds + 1e-9);
    }

    public override bool Observe(ReadOnlySpan<byte> payload, RigTime t)
    {
        bool wellFormed = payload.Length > 0 && payload.Length % (2 * _channels) == 0;
        var pcm = MemoryMarshal.Cast<byte, short>(payload[..(payload.Length & ~1)]);
        long sumSquares = 0, clipped = 0;
        if (BitConverter.IsLittleEndian)
        {
            foreach (short s in pcm)
            {
                sumSquares += s * s;
                if (s >= short.MaxValue || s <= -short.MaxValue) clipped++;
            }
        }
        else
        {
            for (int i = 0; i + 1 < payload.Length; i += 2)
            {
                short s = System.Buffers.Binary.BinaryPrimitives.ReadInt16LittleEndian(payload[i..]);
                sumSquares += s * s;
                if (s >= short.MaxValue || s <= -short.MaxValue) clipped++;
            }
        }
        int n = pcm.Length;
        _blocks++;
        _samples += n;
        _sumSquares += sumSquares;
        _clippedSamples += clipped;
        double dbfs = Dbfs(sumSquares, n);
        _minDbfs = Math.Min(_minDbfs, dbfs);
        _maxDbfs = Math.Max(_maxDbfs, dbfs);
        var end = t + (_sampleRate > 0 ? Duration.FromSeconds(n / _channels / _sampleRate) : Period);
        if (dbfs < Profile.SilenceDbfs) _silence.Extend(t, end);
        else _silence.Close();
        if (clipped > 0) _clipped.Extend(t, end, clipped);
        return wellFormed;
    }

    private static double Dbfs(double sumSquares, long n) =>
        n == 0 || sumSquares <= 0 ? FloorDbfs : Math.Max(FloorDbfs, 20 * Math.Log10(Math.Sqrt(sumSquares / n) / 32768.0));

    public override StreamQa Report(StreamQa stream, ReportContext ctx)
    {
        var p = Profile;
        double share = _samples > 0 ? (double)_clippedSamples / _samples : 0;
        var clipVerdict = Gate.Above(share, p.ClipWarnRatio, p.ClipFailRatio);
        ctx.Check("clipping", clipVerdict, share, "ratio", p.ClipWarnRatio, p.ClipFailRatio);
        var clipped = _clipped.Summary();
        if (clipVerdict > QaVerdict.Pass)
            ctx.RunFindings("clipping", clipped, _ => clipVerdict,
                r => $"clipped {r.Count} samples ({ReportContext.Pct(share)} of all samples clipped)", "clipped stretches");
        var silence = _silence.Summary();
        var silenceVerdict = silence.Runs > 0 ? QaVerdict.Warn : QaVerdict.Pass;
        ctx.Check("silence", silenceVerdict, silence.Longest?.Seconds ?? 0, "s", p.SilenceWarnSeconds, null);
        ctx.RunFindings("silence", silence, _ => QaVerdict.Warn,
            r => $"silent for {ReportContext.S(r.Seconds)} s (RMS under {ReportContext.N(p.SilenceDbfs)} dBFS)", "silent stretches");
        return stream with
        {
            Audio = new AudioQa(_blocks, _channels, _sampleRate, Dbfs(_sumSquares, _samples),
                _blocks > 0 ? _minDbfs : FloorDbfs, _blocks > 0 ? _maxDbfs : FloorDbfs, _samples, _clippedSamples, share,
                silence.Runs, silence.Seconds, silence.Longest?.Seconds ?? 0),
        };
    }
}
