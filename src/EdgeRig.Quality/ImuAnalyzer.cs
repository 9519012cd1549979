using System.Buffers.Binary;
using System.Globalization;
using EdgeRig.Core;

namespace EdgeRig.Quality;

/// <summary>
/// IMU checks: samples with an axis within 0.5 % of full scale (saturated), and axes whose value stays exactly the
/// same (stuck) for StuckAxisFailSeconds or longer. Full scale comes from the descriptor's "accelRange" ("4g") and
/// "gyroRange" ("500dps"), else ±16 g and ±2000 °/s. An axis held at full scale counts as saturated, not stuck.
/// </summary>
internal sealed class ImuAnalyzer : SignalAnalyzer
{
    public const double StandardGravity = 9.80665;
    public const double SaturationMargin = 0.005;

    /// <summary>Saturated samples closer than this belong to one saturated stretch.</summary>
    public static readonly Duration SaturationMergeWithin = Duration.FromMilliseconds(250);

    private static readonly string[] AxisNames = ["accel.x", "accel.y", "accel.z", "gyro.x", "gyro.y", "gyro.z"];

    private readonly double _accelFullScale, _gyroFullScale;
    private readonly RunLog _saturated = new(ReportContext.ListedPerCheck, mergeWithin: SaturationMergeWithin);
    private readonly RunLog[] _stuck;
    private readonly float[] _previous = new float[6];
    private readonly float[] _values = new float[6];
    private RigTime _previousTime;
    private bool _hasPrevious;
    private long _samples, _saturatedSamples;

    public ImuAnalyzer(StreamDescriptor d, QaProfile p) : base(d, p)
    {
        _accelFullScale = Range(d, "accelRange", "g", StandardGravity, 16 * StandardGravity);
        _gyroFullScale = Range(d, "gyroRange", "dps", Math.PI / 180, 2000 * Math.PI / 180);
        _stuck = AxisNames.Select(_ => new RunLog(ReportContext.ListedPerCheck, minSeconds: p.StuckAxisFailSeconds)).ToArray();
    }

    /// <summary>"4g" → 4 × g in m/s^2; "500dps" → 500 °/s in rad/s; a bare number is taken in those units too.</summary>
    internal static double Range(StreamDescriptor d, string key, string suffix, double unit, double fallback)
    {
        if (!d.Parameters.TryGetValue(key, out var text)) return fallback;
        text = text.Trim();
        if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)) text = text[..^suffix.Length];
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v > 0 ? v * unit : fallback;
    }

    public override bool Observe(ReadOnlySpan<byte> payload, RigTime t)
    {
        if (payload.Length < 24) return false;
        _samples++;
        bool saturated = false;
        var end = t + Period;
        for (int i = 0; i < 6; i++)
        {
            float v = BinaryPrimitives.ReadSingleLittleEndian(payload[(i * 4)..]);
            _values[i] = v;
            double fullScale = i < 3 ? _accelFullScale : _gyroFullScale;
            bool atFullScale = !(Math.Abs(v) < fullScale * (1 - SaturationMargin)); // NaN and ±inf count as saturated
            saturated |= atFullScale;
            var stuck = _stuck[i];
            if (_hasPrevious && !atFullScale && BitConverter.SingleToInt32Bits(v) == BitConverter.SingleToInt32Bits(_previous[i]))
                stuck.Extend(_previousTime, end, stuck.IsOpen ? 1 : 2, v);
            else stuck.Close();
        }
        if (saturated)
        {
            _saturatedSamples++;
            _saturated.Extend(t, end);
        }
        _values.CopyTo(_previous, 0);
        _previousTime = t;
        _hasPrevious = true;
        return payload.Length == 24;
    }

    public override StreamQa Report(StreamQa stream, ReportContext ctx)
    {
        var p = Profile;
        double share = _samples > 0 ? (double)_saturatedSamples / _samples : 0;
        var satVerdict = Gate.Above(share, p.ImuSaturationWarnRatio, p.ImuSaturationFailRatio);
        ctx.Check("saturation", satVerdict, share, "ratio", p.ImuSaturationWarnRatio, p.ImuSaturationFailRatio);
        if (satVerdict > QaVerdict.Pass)
            ctx.RunFindings("saturation", _saturated.Summary(), _ => satVerdict,
                r => $"at full scale in {r.Count} samples (±{ReportContext.N(_accelFullScale, "0.#")} m/s^2, ±{ReportContext.N(_gyroFullScale, "0.##")} rad/s; {ReportContext.Pct(share)} of all samples)",
                "saturated stretches");
        long stretches = 0;
        double longest = 0;
        var stuckAxes = new List<string>();
        for (int i = 0; i < 6; i++)
        {
            var runs = _stuck[i].Summary();
            if (runs.Runs == 0) continue;
            stretches += runs.Runs;
            longest = Math.Max(longest, runs.Longest?.Seconds ?? 0);
            stuckAxes.Add(AxisNames[i]);
            string axis = AxisNames[i], unit = i < 3 ? "m/s^2" : "rad/s";
            ctx.RunFindings("stuck", runs, _ => QaVerdict.Fail,
                r => $"{axis} stuck at {ReportContext.N(r.Value, "0.#####")} {unit} for {ReportContext.S(r.Seconds)} s ({r.Count} samples)", $"{axis} stuck stretches");
        }
        ctx.Check("stuck", stretches > 0 ? QaVerdict.Fail : QaVerdict.Pass, longest, "s", null, p.StuckAxisFailSeconds);
        return stream with
        {
            Imu = new ImuQa(_samples, _accelFullScale, _gyroFullScale, _saturatedSamples, share, stretches, longest, stuckAxes),
        };
    }
}
