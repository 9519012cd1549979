using EdgeRig.Core;

namespace EdgeRig.Quality;

/// <summary>
/// One stream's analysis: the checks every periodic stream gets (samples, rate, gaps, jitter, stall, order, drops,
/// sync, malformed payloads), and its modality's signal checks. Event streams (GPIO, rate 0) get counts and order only.
/// </summary>
internal sealed class StreamAnalyzer
{
    /// <summary>An interval longer than this many nominal periods is a gap: one lost sample (2 periods) plus half a period of timestamp jitter is not.</summary>
    public const double GapPeriods = 2.5;

    private readonly StreamDescriptor _d;
    private readonly QaProfile _p;
    private readonly SignalAnalyzer? _signal;
    private readonly bool _periodic;
    private readonly long _periodNs;
    private readonly RunLog _gaps = new(ReportContext.ListedPerCheck);
    private readonly LogHistogram _jitterNs = new(100, 1e11);
    private readonly List<(RigTime At, long Sequence, long Previous)> _sequenceViolations = [];
    private readonly List<(RigTime At, Duration Back)> _timeViolations = [];
    private long _observed, _malformed, _sequenceViolationCount, _timeViolationCount;
    private Duration _longestStepBack;
    private RigTime _first, _min, _max, _last, _firstMalformed;
    private long _lastSequence;

    public StreamAnalyzer(StreamDescriptor descriptor, QaProfile profile)
    {
        _d = descriptor;
        _p = profile;
        _signal = SignalAnalyzer.For(descriptor, profile);
        _periodic = descriptor.NominalRateHz > 0 && descriptor.Modality != Modality.Gpio;
        _periodNs = _periodic ? descriptor.NominalPeriod.Nanoseconds : 0;
    }

    public StreamDescriptor Descriptor => _d;

    public void Observe(Sample sample)
    {
        var t = sample.Rig.Time;
        if (_observed == 0)
        {
            _first = _min = _max = t;
        }
        else
        {
            if (sample.Sequence <= _lastSequence)
            {
                _sequenceViolationCount++;
                if (_sequenceViolations.Count < ReportContext.ListedPerCheck) _sequenceViolations.Add((t, sample.Sequence, _lastSequence));
            }
            var dt = t - _last;
            if (dt < Duration.Zero)
            {
                _timeViolationCount++;
                if (-dt > _longestStepBack) _longestStepBack = -dt;
                if (_timeViolations.Count < ReportContext.ListedPerCheck) _timeViolations.Add((t, -dt));
            }
            else if (_periodic)
            {
                if (dt.Nanoseconds > GapPeriods * _periodNs)
                {
                    _gaps.Extend(_last, t, Math.Max(1, (long)Math.Round((double)dt.Nanoseconds / _periodNs) - 1));
                    _gaps.Close();
                }
                else _jitterNs.Add(Math.Abs(dt.Nanoseconds - _periodNs));
            }
            if (t < _min) _min = t;
            if (t > _max) _max = t;
        }
        _observed++;
        _last = t;
        _lastSequence = sample.Sequence;
        if (_signal is not null && !_signal.Observe(sample.Payload.Span, t))
        {
            if (_malformed++ == 0) _firstMalformed = t;
        }
    }

    public StreamQa Report(ReportContext ctx, StreamCounts? counts, BoundStats? bounds)
    {
        long recorded = counts?.Recorded ?? _observed, produced = counts?.Produced ?? recorded, dropped = counts?.Dropped ?? 0;
        string id = _d.Id.Value;
        CheckSamples(ctx);
        var (rate, ratio) = CheckRate(ctx);
        var gaps = CheckGaps(ctx);
        CheckStall(ctx);
        CheckOrder(ctx);
        CheckDrops(ctx, produced, dropped);
        var sync = CheckSync(ctx, bounds);
        CheckMalformed(ctx);
        var stream = new StreamQa(id, _d.Modality, _d.Encoding, QaVerdict.Pass, produced, recorded, dropped, _observed,
            _d.NominalRateHz, rate, ratio, _observed > 0 ? _min : null, _observed > 0 ? _max : null, gaps,
            _jitterNs.Percentile(0.5) / 1e6, _jitterNs.Percentile(0.99) / 1e6, _sequenceViolationCount, _timeViolationCount, sync, ctx.Checks);
        if (_signal is not null) stream = _signal.Report(stream, ctx);
        return stream with { Verdict = ctx.Verdict };
    }

    private void CheckSamples(ReportContext ctx)
    {
        if (_observed > 0 || !_periodic)
        {
            ctx.Check("samples", QaVerdict.Pass, _observed, "samples");
            return;
        }
        double waited = (ctx.Now - ctx.SessionStart).TotalSeconds;
        var verdict = ctx.Final ? QaVerdict.Fail : waited > _p.StallFailSeconds ? QaVerdict.Warn : QaVerdict.Pass;
        ctx.Check("samples", verdict, 0, "samples");
        if (verdict > QaVerdict.Pass)
            ctx.Finding("samples", verdict, ctx.Final ? $"{ctx.Stream} recorded no samples" : $"{ctx.Stream} has no samples yet, {ReportContext.S(waited)} s into the session");
    }

    /// <summary>Recorded samples over the observed span; not judged until the span is a second (and five periods) long.</summary>
    private (double? Rate, double? Ratio) CheckRate(ReportContext ctx)
    {
        if (!_periodic) return (null, null);
        double span = (_max - _min).TotalSeconds;
        if (_observed < 3 || span < Math.Max(1.0, 5.0 / _d.NominalRateHz))
        {
            ctx.Check("rate", QaVerdict.Pass, null, "ratio", _p.RateWarnRatio, _p.RateFailRatio);
            return (null, null);
        }
        double rate = (_observed - 1) / span, ratio = rate / _d.NominalRateHz;
        // too fast is as wrong as too slow (a misconfigured rate, duplicated samples): mirror the thresholds above 1
        var verdict = Gate.Worst(Gate.Below(ratio, _p.RateWarnRatio, _p.RateFailRatio), Gate.Above(ratio, 2 - _p.RateWarnRatio, 2 - _p.RateFailRatio));
        ctx.Check("rate", verdict, ratio, "ratio", _p.RateWarnRatio, _p.RateFailRatio);
        if (verdict > QaVerdict.Pass)
            ctx.Finding("rate", verdict, $"{ctx.Stream} ran at {ReportContext.N(rate, "0.###")} Hz, {ReportContext.Pct(ratio)} of its nominal {ReportContext.N(_d.NominalRateHz, "0.###")} Hz, over {ctx.Span(_min, _max)}", _min, _max);
        return (rate, ratio);
    }

    private QaGaps CheckGaps(ReportContext ctx)
    {
        var runs = _gaps.Summary();
        double longest = runs.Longest?.Seconds ?? 0;
        if (!_periodic) return new QaGaps(0, 0, 0, []);
        var verdict = Gate.Worst(Gate.Above(runs.Seconds, _p.GapWarnSeconds, _p.GapFailSeconds), Gate.Above(longest, _p.GapWarnSeconds, _p.GapFailSeconds));
        ctx.Check("gaps", verdict, runs.Seconds, "s", _p.GapWarnSeconds, _p.GapFailSeconds);
        if (verdict > QaVerdict.Pass)
            ctx.RunFindings("gaps", runs,
                r => Gate.Worst(QaVerdict.Warn, Gate.Above(r.Seconds, _p.GapWarnSeconds, _p.GapFailSeconds)),
                r => $"gap of {ReportContext.S(r.Seconds)} s (about {r.Count} samples missing)", "gaps");
        return new QaGaps(runs.Runs, runs.Seconds, longest, runs.Listed.Select(ctx.ToSpan).ToList());
    }

    /// <summary>No samples for a while at the end (stalled) fails; a first sample late after the start warns.</summary>
    private void CheckStall(ReportContext ctx)
    {
        if (!_periodic || _observed == 0) return;
        double limit = Math.Max(_p.StallFailSeconds, 5.0 / _d.NominalRateHz);
        double silent = (ctx.Now - _max).TotalSeconds, late = (_first - ctx.SessionStart).TotalSeconds;
        var stalled = silent >= limit ? QaVerdict.Fail : QaVerdict.Pass;
        ctx.Check("stall", stalled, Math.Max(0, silent), "s", null, limit);
        if (stalled > QaVerdict.Pass)
            ctx.Finding("stall", stalled, $"{ctx.Stream} has had no samples for {ReportContext.S(silent)} s (last at {ctx.At(_max)})", _max, ctx.Now);
        var start = late >= limit ? QaVerdict.Warn : QaVerdict.Pass;
        ctx.Check("start", start, late, "s", limit, null);
        if (start > QaVerdict.Pass)
            ctx.Finding("start", start, $"{ctx.Stream} started {ReportContext.S(late)} s after the session", ctx.SessionStart, _first);
    }

    /// <summary>Repeated or decreasing sequence numbers fail; rig time going backwards warns, and fails when a step back exceeds half a period.</summary>
    private void CheckOrder(ReportContext ctx)
    {
        var seq = _sequenceViolationCount > 0 ? QaVerdict.Fail : QaVerdict.Pass;
        ctx.Check("sequence", seq, _sequenceViolationCount, "samples", null, 1);
        foreach (var (at, sequence, previous) in _sequenceViolations)
            ctx.Finding("sequence", seq, $"{ctx.Stream} sequence {sequence} after {previous} at {ctx.At(at)} ({_sequenceViolationCount} out of order or repeated in all)", at, at);
        double failBackMs = _periodic ? _periodNs / 2e6 : 0;
        var time = _timeViolationCount == 0 ? QaVerdict.Pass
            : _longestStepBack.TotalMilliseconds > failBackMs ? QaVerdict.Fail : QaVerdict.Warn;
        ctx.Check("timestamps", time, _timeViolationCount, "samples", 1, null);
        foreach (var (at, back) in _timeViolations)
            ctx.Finding("timestamps", time, $"{ctx.Stream} rig time went back {ReportContext.N(back.TotalMilliseconds, "0.###")} ms at {ctx.At(at)} ({_timeViolationCount} steps back in all)", at, at + back);
    }

    private void CheckDrops(ReportContext ctx, long produced, long dropped)
    {
        double share = produced > 0 ? (double)dropped / produced : 0;
        var verdict = Gate.Above(share, _p.DropWarnRatio, _p.DropFailRatio);
        ctx.Check("drops", verdict, share, "ratio", _p.DropWarnRatio, _p.DropFailRatio);
        if (verdict > QaVerdict.Pass)
            ctx.Finding("drops", verdict, $"{ctx.Stream} dropped {dropped} of {produced} samples ({ReportContext.Pct(share)}) before they were recorded");
    }

    private QaSync? CheckSync(ReportContext ctx, BoundStats? bounds)
    {
        if (bounds is null || bounds.Count == 0) return null;
        var sync = new QaSync(bounds.Count, bounds.P50.TotalMilliseconds, bounds.P99.TotalMilliseconds, bounds.Max.TotalMilliseconds);
        // a p99 past the warn threshold warns (e.g. the first ~0.5 s of a session, while a clock mapping settles, carries its
        // honest 50 ms bound); the session fails only when the median is past the fail threshold: most samples badly timed
        var verdict = sync.P50Ms > _p.SyncFailMs ? QaVerdict.Fail : sync.P99Ms > _p.SyncWarnMs ? QaVerdict.Warn : QaVerdict.Pass;
        ctx.Check("sync", verdict, sync.P99Ms, "ms", _p.SyncWarnMs, null);
        if (verdict > QaVerdict.Pass)
            ctx.Finding("sync", verdict, $"{ctx.Stream} rig-time error bound p99 is {ReportContext.N(sync.P99Ms, "0.###")} ms (p50 {ReportContext.N(sync.P50Ms, "0.###")} ms, max {ReportContext.N(sync.MaxMs, "0.###")} ms)" +
                (verdict == QaVerdict.Fail ? $": most samples are timed worse than {ReportContext.N(_p.SyncFailMs)} ms" : ""));
        return sync;
    }

    private void CheckMalformed(ReportContext ctx)
    {
        if (_signal is null) return;
        double share = _observed > 0 ? (double)_malformed / _observed : 0;
        var verdict = _malformed == 0 ? QaVerdict.Pass : share >= _p.MalformedFailRatio ? QaVerdict.Fail : QaVerdict.Warn;
        ctx.Check("malformed", verdict, share, "ratio", 0, _p.MalformedFailRatio);
        if (verdict > QaVerdict.Pass)
            ctx.Finding("malformed", verdict, $"{ctx.Stream}: {_malformed} of {_observed} payloads are malformed or undecodable ({ReportContext.Pct(share)}), the first at {ctx.At(_firstMalformed)}", _firstMalformed, _firstMalformed);
    }
}
