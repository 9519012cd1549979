using EdgeRig.Core;

namespace EdgeRig.Quality;

/// <summary>
/// The QA analysis of one recording session: sees every recorded sample as it is written (<see cref="Observe"/>, on
/// the recorder's one writer thread, in order per stream) and makes the report with its gates at any time, live
/// or final (<see cref="Report"/>, from any thread). Memory stays bounded however long the session runs.
/// </summary>
public sealed class SessionQa
{
    private readonly object _gate = new();
    private readonly Dictionary<StreamId, StreamAnalyzer> _streams;
    private readonly IReadOnlyList<StreamAnalyzer> _ordered;
    private readonly QaProfile _profile;
    private readonly RigTime _sessionStart;

    public SessionQa(IReadOnlyList<StreamDescriptor> streams, QaProfile thresholds, RigTime sessionStart)
    {
        ArgumentNullException.ThrowIfNull(streams);
        ArgumentNullException.ThrowIfNull(thresholds);
        _profile = thresholds;
        _sessionStart = sessionStart;
        _ordered = streams.Select(d => new StreamAnalyzer(d, thresholds)).ToList();
        _streams = _ordered.ToDictionary(a => a.Descriptor.Id);
    }

    /// <summary>Analyses one recorded sample (stamped with rig time). Samples of streams the session does not have are ignored.</summary>
    public void Observe(Sample sample)
    {
        if (!_streams.TryGetValue(sample.Stream, out var stream)) return;
        lock (_gate) stream.Observe(sample);
    }

    /// <summary>
    /// The report as of <paramref name="now"/>: for a live report the current rig time, for a final one the session's
    /// stop time (a stream whose samples end well before <paramref name="now"/> has stalled). Counts and sync bounds
    /// are keyed by stream id; a stream missing from <paramref name="counts"/> counts what was observed.
    /// </summary>
    public QaReport Report(RigTime now, IReadOnlyDictionary<string, StreamCounts> counts,
        IReadOnlyDictionary<string, BoundStats> sync, CalibrationInfo? calibration, bool final)
    {
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentNullException.ThrowIfNull(sync);
        var streams = new List<StreamQa>(_ordered.Count);
        var findings = new List<(int Order, QaFinding Finding)>();
        lock (_gate)
        {
            for (int i = 0; i < _ordered.Count; i++)
            {
                var a = _ordered[i];
                string id = a.Descriptor.Id.Value;
                var ctx = new ReportContext(id, _profile, _sessionStart, now, final);
                streams.Add(a.Report(ctx, counts.GetValueOrDefault(id), sync.GetValueOrDefault(id)));
                findings.AddRange(ctx.Findings.Select(f => (i + 1, f)));
            }
        }
        var session = new ReportContext(QaReport.SessionWide, _profile, _sessionStart, now, final);
        double? age = CheckCalibration(session, calibration);
        findings.AddRange(session.Findings.Select(f => (0, f)));
        var verdict = Gate.Worst(session.Verdict, streams.Count == 0 ? QaVerdict.Pass : streams.Max(s => s.Verdict));
        var ordered = findings
            .OrderByDescending(f => f.Finding.Verdict).ThenBy(f => f.Order).ThenBy(f => f.Finding.From?.Nanoseconds ?? long.MinValue)
            .Select(f => f.Finding).ToList();
        return new QaReport(verdict, final, now, _sessionStart, (now - _sessionStart).TotalSeconds,
            calibration?.Profile ?? "none", age, session.Checks, streams, ordered, _profile);
    }

    /// <summary>A profile older than CalibrationMaxAgeDays warns; no profile is reported ("none"), not judged.</summary>
    private double? CheckCalibration(ReportContext ctx, CalibrationInfo? calibration)
    {
        if (calibration is null)
        {
            ctx.Check("calibration", QaVerdict.Pass, null, "days", _profile.CalibrationMaxAgeDays, null);
            return null;
        }
        double age = (ctx.Now.ToDateTimeOffset() - calibration.CreatedAt).TotalDays;
        var verdict = age > _profile.CalibrationMaxAgeDays ? QaVerdict.Warn : QaVerdict.Pass;
        ctx.Check("calibration", verdict, age, "days", _profile.CalibrationMaxAgeDays, null);
        if (verdict > QaVerdict.Pass)
            ctx.Finding("calibration", verdict,
                $"calibration profile {calibration.Profile} is {ReportContext.N(age, "0.#")} days old (made {calibration.CreatedAt:yyyy-MM-dd}; limit {ReportContext.N(_profile.CalibrationMaxAgeDays)} days)");
        return age;
    }
}
