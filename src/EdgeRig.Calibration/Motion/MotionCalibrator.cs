using EdgeRig.Calibration.Stimulus;
using EdgeRig.Core;

namespace EdgeRig.Calibration.Motion;

/// <summary>Settings of the motion method.</summary>
public sealed record MotionOptions
{
    public Duration MinLag { get; init; } = Duration.FromMilliseconds(-100);
    public Duration MaxLag { get; init; } = Duration.FromMilliseconds(100);

    /// <summary>Grid step of the coarse correlation; the parabola refines below it.</summary>
    public Duration Step { get; init; } = Duration.FromMilliseconds(1);

    /// <summary>The recording is cut into this many segments, each estimated alone, for residuals and the interval.</summary>
    public int Segments { get; init; } = 6;

    /// <summary>Below this peak |correlation| the motion was too weak (or the timestamps too bad) to trust: the stream fails.</summary>
    public double MinCorrelation { get; init; } = 0.6;

    public int BootstrapResamples { get; init; } = 1000;
    public int Seed { get; init; } = 17;

    /// <summary>Gyro axis correlated: 3 gx, 4 gy, 5 gz (yaw for a level rig).</summary>
    public int GyroAxis { get; init; } = 5;

    /// <summary>Camera angle per full-size pixel (horizontal field of view / width); only scales the rate.</summary>
    public double CameraRadiansPerPixel { get; init; } = 0.001;

    /// <summary>The gyro stream's own latency (from the stimulus method or a profile), added to every lag.</summary>
    public Duration GyroOffset { get; init; }

    /// <summary>Half-width of the gyro offset's interval: every interval is widened by it (the lags are only as sure as the gyro's offset).</summary>
    public Duration GyroOffsetHalfWidth { get; init; }
}

/// <summary>
/// The motion method: the rig is turned by hand (or on a turntable) and the gyro's angular rate is cross-correlated with each
/// camera's rotation rate (optical flow) and each LIDAR's scan-to-scan yaw rate. The lag is the stream's offset relative to
/// the gyro. Cameras: the image shows mid-exposure, so the offset is to the middle of the exposure, not its start.
/// </summary>
public static class MotionCalibrator
{
    /// <summary>Each camera's and LIDAR's offset relative to the gyro; cameras need <paramref name="cameraYaw"/> (without it they fail as unavailable).</summary>
    public static IReadOnlyList<StreamOffset> Calibrate(RecordedStream gyro, IReadOnlyList<RecordedStream> others, ICameraYawRate? cameraYaw, MotionOptions? options = null)
    {
        var o = options ?? new MotionOptions();
        if (gyro.Samples.Count < 10) throw new ArgumentException($"{gyro.Descriptor.Id}: too few gyro samples ({gyro.Samples.Count})", nameof(gyro));
        var origin = gyro.Samples.Min(s => s.Rig.Time);
        var reference = RateSources.Gyro(gyro.Samples, origin, o.GyroAxis);
        var results = new List<StreamOffset>();
        foreach (var s in others)
        {
            string id = s.Descriptor.Id.Value, method = $"motion/{s.Descriptor.Modality.ToString().ToLowerInvariant()}-vs-{gyro.Descriptor.Id}";
            if (s.Descriptor.Modality == Modality.Camera && cameraYaw is null)
            {
                results.Add(StreamOffset.Failed(id, method, [], $"{id}: unavailable: optical flow (the service's EdgeRig.Vision, OpenCV)"));
                continue;
            }
            RateSeries? rate = s.Descriptor.Modality switch
            {
                Modality.Camera => cameraYaw!.Measure(s.Samples, origin, o.CameraRadiansPerPixel),
                Modality.Lidar => RateSources.LidarYaw(s.Samples, origin),
                _ => null,
            };
            if (rate is not null) results.Add(Estimate(id, method, reference, rate, origin, o));
        }
        return results;
    }

    /// <summary>
    /// A camera's motion offset (to the middle of the exposure) moved to the stimulus convention profiles keep (to the start of
    /// the exposure): plus half the exposure. Other streams are returned unchanged.
    /// </summary>
    public static StreamOffset ToExposureStart(StreamOffset r, Modality modality, Duration exposure)
    {
        if (modality != Modality.Camera || !r.Succeeded) return r;
        double half = exposure.Nanoseconds / 2.0;
        return r with { OffsetNs = r.OffsetNs + half, CiLowNs = r.CiLowNs + half, CiHighNs = r.CiHighNs + half, Method = r.Method + " (+exposure/2)" };
    }

    /// <summary>The offset of <paramref name="rate"/> relative to the gyro, its interval from per-segment estimates.</summary>
    public static StreamOffset Estimate(string stream, string method, RateSeries gyro, RateSeries rate, RigTime origin, MotionOptions o)
    {
        if (rate.Count < 10) return StreamOffset.Failed(stream, method, [], $"{stream}: only {rate.Count} rate samples");
        double from = Math.Max(gyro.TimesNs[0], rate.TimesNs[0]) - o.MinLag.Nanoseconds, to = Math.Min(gyro.TimesNs[^1], rate.TimesNs[^1]) - o.MaxLag.Nanoseconds;
        double step = o.Step.Nanoseconds;
        var global = RateCrossCorrelation.Estimate(gyro, rate, from, to, o.MinLag.Nanoseconds, o.MaxLag.Nanoseconds, step);
        if (global is not { } g || Math.Abs(g.Correlation) < o.MinCorrelation)
            return StreamOffset.Failed(stream, method, [], $"{stream}: motion too weak or timestamps inconsistent: peak correlation {global?.Correlation ?? 0:0.00} (need {o.MinCorrelation:0.00})");
        var events = new List<EventContribution>();
        var lags = new List<double>();
        double length = (to - from) / o.Segments;
        for (int k = 0; k < o.Segments; k++)
        {
            var at = origin + new Duration((long)(from + k * length));
            var seg = RateCrossCorrelation.Estimate(gyro, rate, from + k * length, from + (k + 1) * length, g.LagNs - 10 * step, g.LagNs + 10 * step, step);
            if (seg is not { } e || Math.Abs(e.Correlation) < o.MinCorrelation)
            {
                events.Add(new EventContribution(k + 1, at, null, $"segment correlation {seg?.Correlation ?? 0:0.00} below {o.MinCorrelation:0.00}"));
                continue;
            }
            lags.Add(e.LagNs);
            events.Add(new EventContribution(k + 1, at, e.LagNs - g.LagNs, null));
        }
        if (lags.Count < 3)
            return StreamOffset.Failed(stream, method, events, $"{stream}: only {lags.Count} of {o.Segments} segments correlate (need 3)");
        double mean = lags.Average();
        var (low, high) = RobustStatistics.Bootstrap(lags, l => l.Average(), o.BootstrapResamples, o.Seed);
        double offset = o.GyroOffset.Nanoseconds + g.LagNs;
        double widen = o.GyroOffsetHalfWidth.Nanoseconds;
        return new StreamOffset(stream, method, offset, offset + Math.Min(0, low - mean) - widen, offset + Math.Max(0, high - mean) + widen, events, null);
    }
}
