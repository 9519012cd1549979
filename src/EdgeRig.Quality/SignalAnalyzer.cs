using EdgeRig.Core;

namespace EdgeRig.Quality;

/// <summary>The per-modality part of a stream's analysis: looks at each payload, and adds its checks and figures to the stream's report.</summary>
internal abstract class SignalAnalyzer(StreamDescriptor descriptor, QaProfile profile)
{
    protected StreamDescriptor Descriptor { get; } = descriptor;
    protected QaProfile Profile { get; } = profile;

    /// <summary>One sample's length of time (nominal period), for the end of a stretch that ends with it.</summary>
    protected Duration Period { get; } = descriptor.NominalRateHz > 0 ? descriptor.NominalPeriod : Duration.Zero;

    /// <summary>Looks at one payload stamped <paramref name="t"/>; false if it is malformed (counted by the caller).</summary>
    public abstract bool Observe(ReadOnlySpan<byte> payload, RigTime t);

    /// <summary>Adds the modality's checks and findings to <paramref name="ctx"/> and its figures to <paramref name="stream"/>.</summary>
    public abstract StreamQa Report(StreamQa stream, ReportContext ctx);

    public static SignalAnalyzer? For(StreamDescriptor d, QaProfile p) => d.Modality switch
    {
        Modality.Camera when d.Encoding == Encodings.Jpeg => new CameraAnalyzer(d, p),
        Modality.Audio when d.Encoding == Encodings.PcmS16Le => new AudioAnalyzer(d, p),
        Modality.Imu when d.Encoding == Encodings.Imu6 => new ImuAnalyzer(d, p),
        Modality.Lidar when d.Encoding == Encodings.LidarScan => new LidarAnalyzer(d, p),
        _ => null,
    };

    protected static double Parameter(StreamDescriptor d, string key, double fallback) =>
        d.Parameters.TryGetValue(key, out var text)
        && double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double v)
        && v > 0 ? v : fallback;
}
