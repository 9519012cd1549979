using EdgeRig.Core;

namespace EdgeRig.Calibration.Stimulus;

/// <summary>
/// The camera's stimulus detector: measures each frame's brightening near every flash (<see cref="FlashResponse"/>), fits the
/// offset to all of them at once (<see cref="CameraFlashFit"/>), rejects flashes that disagree, and bootstraps the interval.
/// </summary>
public static class CameraFlashDetector
{
    public const string Method = "stimulus/camera-flash";

    public static StreamOffset Estimate(string stream, IReadOnlyList<Sample> frames, IReadOnlyList<StimulusReference> references, RigTime origin, StimulusOptions o)
    {
        double x = o.ExposureOf(stream).Nanoseconds, f = o.FlashLength.Nanoseconds, min = o.MinOffset.Nanoseconds, max = o.MaxOffset.Nanoseconds;
        double period = frames.Count > 1 ? (double)(frames[^1].Rig.Time - frames[0].Rig.Time).Nanoseconds / (frames.Count - 1) : 1e9 / 30;
        var times = frames.Select(s => (double)(s.Rig.Time - origin).Nanoseconds).ToArray();
        var refTimes = references.Select(r => (double)(r.Time - origin).Nanoseconds).ToArray();
        var measured = new List<CameraFlashFit.FlashEvent>();
        var rejected = new Dictionary<int, string>();
        for (int r = 0; r < references.Count; r++)
        {
            double t = refTimes[r], litFrom = t + min - x, litTo = t + max + f, baseFrom = litFrom - o.Baseline.Nanoseconds;
            if (refTimes.Any(u => u != t && u + max + f > baseFrom && u + min - x < litTo)) { rejected[r] = "another stimulus too close"; continue; }
            var baseline = Enumerable.Range(0, times.Length).Where(i => times[i] >= baseFrom && times[i] < litFrom).ToList();
            var window = Enumerable.Range(0, times.Length).Where(i => times[i] >= litFrom && times[i] <= litTo).ToList();
            if (window.Count < (litTo - litFrom) / period - 1 || baseline.Count < 3) { rejected[r] = "frames missing around the stimulus"; continue; }
            var response = FlashResponse.FromBaseline(baseline.Select(i => FlashResponse.DecodeQuarter(frames[i].Payload)).OfType<byte[]>().ToList());
            if (response is null) { rejected[r] = "no dark, static pixels in the frames before the stimulus"; continue; }
            var pixels = window.Select(i => FlashResponse.DecodeQuarter(frames[i].Payload)).ToList();
            if (pixels.Any(p => p is null)) { rejected[r] = "a frame did not decode"; continue; }
            measured.Add(new CameraFlashFit.FlashEvent(references[r], window.Select(i => times[i] - t).ToArray(), pixels.Select(p => response.Measure(p!)).ToArray()));
        }
        return Fit(stream, measured, rejected, references, new CameraFlashFit(x, f), period, o);
    }

    private static StreamOffset Fit(string stream, List<CameraFlashFit.FlashEvent> measured, Dictionary<int, string> rejected,
        IReadOnlyList<StimulusReference> references, CameraFlashFit model, double period, StimulusOptions o)
    {
        if (measured.Count < o.MinEvents)
            return StreamOffset.Failed(stream, Method, Contributions(references, rejected, [], []),
                $"{stream}: only {measured.Count} of {references.Count} stimuli measurable (need {o.MinEvents})");
        var (d, gain) = model.Fit(measured, o.MinOffset.Nanoseconds, o.MaxOffset.Nanoseconds);
        double noise = UnlitNoise(measured, model, d);
        var residuals = measured.Select(e => model.Residual(e, d, gain, period, noise)).ToArray();
        var outlier = RobustStatistics.Outliers(residuals, 5, 1e6);
        var kept = measured.Where((_, i) => !outlier[i]).ToList();
        (d, gain) = model.Fit(kept, d - 3e6, d + 3e6);
        noise = UnlitNoise(kept, model, d);
        residuals = measured.Select(e => model.Residual(e, d, gain, period, noise)).ToArray();
        var events = Contributions(references, rejected, measured, residuals.Select((r, i) => (r, outlier[i])).ToList());
        if (kept.Count < o.MinEvents)
            return StreamOffset.Failed(stream, Method, events, $"{stream}: only {kept.Count} of {references.Count} stimuli consistent (need {o.MinEvents})");
        if (gain < 6 * noise)
            return StreamOffset.Failed(stream, Method, events, $"{stream}: no flash seen (gain {gain:0.0} grey levels, frame noise {noise:0.00})");
        double centre = d;
        var (low, high) = RobustStatistics.Bootstrap(kept, s => model.Fit(s, centre - 3e6, centre + 3e6).OffsetNs, o.BootstrapResamples, o.Seed);
        return new StreamOffset(stream, Method, d, low, high, events, null);
    }

    /// <summary>Scatter (scaled MAD, grey levels) of the responses of frames the fit says were not lit.</summary>
    private static double UnlitNoise(List<CameraFlashFit.FlashEvent> events, CameraFlashFit model, double d)
    {
        var unlit = events.SelectMany(e => e.FrameTimesNs.Select((t, k) => (Lit: model.Overlap(t - d), R: e.Responses[k]))).Where(p => p.Lit == 0).Select(p => p.R).ToList();
        return unlit.Count < 3 ? double.PositiveInfinity : Math.Max(RobustStatistics.ScaledMad(unlit), 0.05);
    }

    private static List<EventContribution> Contributions(IReadOnlyList<StimulusReference> references, Dictionary<int, string> rejected,
        List<CameraFlashFit.FlashEvent> measured, List<(double Residual, bool Outlier)> fit)
    {
        var list = new List<EventContribution>();
        for (int r = 0; r < references.Count; r++)
        {
            int m = measured.FindIndex(e => e.Reference == references[r]);
            if (m < 0 || m >= fit.Count) list.Add(new EventContribution(references[r].Number, references[r].Time, null, rejected.GetValueOrDefault(r, "not measured")));
            else list.Add(new EventContribution(references[r].Number, references[r].Time, fit[m].Residual,
                fit[m].Outlier ? $"outlier: its frames fit {fit[m].Residual / 1e6:0.000} ms away" : null));
        }
        return list;
    }
}
