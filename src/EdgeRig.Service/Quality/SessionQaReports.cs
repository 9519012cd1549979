using EdgeRig.Calibration.Profiles;
using EdgeRig.Core;
using EdgeRig.Quality;
using EdgeRig.Recording;

namespace EdgeRig.Service.Quality;

/// <summary>
/// The QA analysis of each session as recording needs it: the observer the recorder feeds, the final report made at stop
/// and stored, and a report recomputed from stored chunks. It needs no recording pipeline, so the pipeline can be built
/// with it; <see cref="QaService"/> adds the live report of the recording session on top.
/// </summary>
public sealed class SessionQaReports(RigProfile rig, ISessionStore store, IRigClock clock, ICalibrationProfileStore profiles, ILogger<SessionQaReports> logger)
{
    /// <summary>The check name of the findings that name a damaged chunk a recomputed report could not read.</summary>
    public const string DamagedChunkCheck = "damaged-chunk";

    /// <summary>A session's analysis as the recorder sees it (<see cref="SessionQa"/> is safe to report from while it observes).</summary>
    public sealed class Observer(SessionQa qa) : ISessionObserver
    {
        public void Observe(Sample sample) => qa.Observe(sample);
        public QaReport Report(RigTime now, IReadOnlyDictionary<string, Core.StreamCounts> counts, IReadOnlyDictionary<string, BoundStats> sync, CalibrationInfo? calibration, bool final) =>
            qa.Report(now, counts, sync, calibration, final);
    }

    public ISessionObserver Create(Session session, IReadOnlyList<StreamDescriptor> streams) =>
        new Observer(new SessionQa(streams, rig.Qa, session.Start));

    /// <summary>Makes the final report of a stopped session and stores it.</summary>
    public QaReport Finish(SessionRecord record, ISessionObserver? observer)
    {
        var report = observer is Observer o
            ? o.Report(record.Session.Stop ?? clock.RigNow, record.Counts, record.Sync, CalibrationOf(record.Session), final: true)
            : FromStore(record);
        store.SetQaReport(record.Session.Id, report.Verdict, report.ToJson());
        if (report.Verdict != QaVerdict.Pass)
            logger.LogWarning("Session {Session} QA {Verdict}: {Findings}", record.Session.Id, report.Verdict.Name(), QaService.Summary(report, 3));
        return report;
    }

    /// <summary>
    /// Recomputes a report from the session's stored chunks (the same analysis, in per-stream order). A damaged chunk is left
    /// out of the analysis and named in a "damaged-chunk" finding (at least a warning), so the report says what it did not see.
    /// </summary>
    public QaReport FromStore(SessionRecord record)
    {
        var qa = new SessionQa(record.Streams, rig.Qa, record.Session.Start);
        var source = new Formats.SessionStoreSource(store, record);
        var damaged = new List<ChunkProblem>();
        foreach (var stream in record.Streams.OrderBy(d => d.Id.Value))
            foreach (var s in source.ReadStream(stream.Id, damaged)) qa.Observe(s);
        var report = qa.Report(record.Session.Stop ?? clock.RigNow, record.Counts, record.Sync, CalibrationOf(record.Session), final: true);
        if (damaged.Count == 0) return report;
        logger.LogWarning("QA of session {Session} left out damaged chunks: {Damaged}", record.Session.Id, string.Join("; ", damaged));
        var named = damaged.Select(p => new QaFinding(p.Stream, DamagedChunkCheck, QaVerdict.Warn, $"chunk {p} was left out of the analysis", null, null));
        return report with
        {
            Verdict = report.Verdict > QaVerdict.Warn ? report.Verdict : QaVerdict.Warn,
            Findings = [.. report.Findings.Where(f => f.Verdict == QaVerdict.Fail), .. named, .. report.Findings.Where(f => f.Verdict != QaVerdict.Fail)],
        };
    }

    /// <summary>The calibration profile a session names, with when it was made; null if it names none or one not on this rig.</summary>
    public CalibrationInfo? CalibrationOf(Session session)
    {
        if (session.Calibration.Length == 0) return null;
        try
        {
            var p = profiles.Resolve(session.Calibration);
            return new CalibrationInfo(session.Calibration, p.CreatedAt);
        }
        catch (ArgumentException) { return null; }
    }
}
