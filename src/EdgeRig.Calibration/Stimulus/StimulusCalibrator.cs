using EdgeRig.Core;

namespace EdgeRig.Calibration.Stimulus;

/// <summary>One recorded stream: its descriptor and its samples in rig-time order.</summary>
public sealed record RecordedStream(StreamDescriptor Descriptor, IReadOnlyList<Sample> Samples);

/// <summary>
/// The stimulus method: given when each stimulus fired (rig time) and the recorded streams, finds each stimulus in every
/// camera, microphone, IMU and LIDAR stream and estimates that stream's fixed latency. GPIO and other streams are skipped.
/// Camera and audio intervals are widened by the stream's mapping allowance (a third of its median clock-mapping error bound,
/// the envelope's tightness): the mapping error is shared by neighbouring events, so pooling events does not average it away.
/// IMU and LIDAR events give brackets (<see cref="BracketPooling"/>), whose interval is widened by the full bound.
/// </summary>
public static class StimulusCalibrator
{
    public static IReadOnlyList<StreamOffset> Calibrate(IReadOnlyList<RecordedStream> streams, IReadOnlyList<StimulusReference> references, StimulusOptions? options = null)
    {
        var o = options ?? new StimulusOptions();
        if (references.Count == 0) throw new ArgumentException("no stimulus references", nameof(references));
        var ordered = references.OrderBy(r => r.Time).ToList();
        var origin = ordered[0].Time;
        var results = new List<StreamOffset>();
        foreach (var s in streams)
        {
            string id = s.Descriptor.Id.Value;
            var samples = s.Samples.OrderBy(x => x.Rig.Time).ToList();
            switch (s.Descriptor.Modality)
            {
                case Modality.Camera:
                    results.Add(Widen(CameraFlashDetector.Estimate(id, samples, ordered, origin, o), samples));
                    break;
                case Modality.Audio:
                    var frames = Payloads.AudioFrames(s.Descriptor, samples, origin);
                    double rate = double.Parse(s.Descriptor.Parameters.GetValueOrDefault("sampleRate", "48000"), System.Globalization.CultureInfo.InvariantCulture);
                    results.Add(Widen(Points(id, "stimulus/audio-onset", frames, ordered, origin, 1e9 / rate, o), samples));
                    break;
                case Modality.Imu:
                    // a 400 Hz impulse is timed only to a sample period by each event: brackets, pooled, beat averaging
                    results.Add(ImpulseBrackets(id, Payloads.ImuAxis(samples, o.ImuAxis, origin), ordered, origin, s.Descriptor.NominalPeriod.Nanoseconds, samples, o));
                    break;
                case Modality.Lidar:
                    // the LIDAR brackets are widened one by one (by the full bound) before they are pooled
                    results.Add(LidarRangeStepDetector.Estimate(id, LidarRangeStepDetector.Detect(samples, ordered, origin, o), samples, o));
                    break;
            }
        }
        return results;
    }

    /// <summary>A third of the median clock-mapping error bound of the samples, ns.</summary>
    public static double MappingAllowanceNs(IReadOnlyList<Sample> samples) =>
        samples.Count == 0 ? 0 : RobustStatistics.Median(samples.Select(s => (double)s.Rig.ErrorBound.Nanoseconds).ToArray()) / 3;

    private static StreamOffset Widen(StreamOffset r, IReadOnlyList<Sample> samples)
    {
        double a = MappingAllowanceNs(samples);
        return r.Succeeded ? r with { CiLowNs = r.CiLowNs - a, CiHighNs = r.CiHighNs + a } : r;
    }

    /// <summary>
    /// Each event's half-height crossing lies between the last sample below and the first at or above it: with offset d, the
    /// onset's rig time is reference + d, so d is in (before - reference, after - reference], widened by the full mapping bound.
    /// </summary>
    private static StreamOffset ImpulseBrackets(string id, List<TimedValue> series, List<StimulusReference> references, RigTime origin, double periodNs,
        IReadOnlyList<Sample> samples, StimulusOptions o)
    {
        var brackets = references.Select(r =>
        {
            double t = (r.Time - origin).Nanoseconds;
            var (c, rejected) = ConstantFractionOnset.FindCrossing(series, t, periodNs, o);
            return new TimedBracket(r, "", c is { } x ? new OffsetBracket(x.BeforeNs - t, x.AfterNs - t) : null, rejected);
        }).ToList();
        return BracketPooling.Estimate(id, "stimulus/imu-impulse", brackets, 3 * MappingAllowanceNs(samples), "stimuli", o);
    }

    private static StreamOffset Points(string id, string method, List<TimedValue> series, List<StimulusReference> references, RigTime origin, double periodNs, StimulusOptions o)
    {
        var perEvent = references.Select(r =>
        {
            double t = (r.Time - origin).Nanoseconds;
            var (onset, rejected) = ConstantFractionOnset.Find(series, t, periodNs, o);
            return (r, onset - t, rejected);
        }).ToList();
        return PointOffsetAggregate.Estimate(id, method, perEvent, Math.Max(periodNs, 50_000), o);
    }
}
