using EdgeRig.Api.V1;
using EdgeRig.Calibration.Profiles;
using EdgeRig.Core;
using EdgeRig.Quality;
using EdgeRig.Recording;

namespace EdgeRig.Service.Quality;

/// <summary>
/// QA reports in the service: each session gets a <see cref="SessionQa"/> fed by the recorder's writer task; the live report
/// answers status and `edgerig qa` while it records, the final one is made at stop and stored with the session (and attached to
/// its exports). Sessions without one (recovered after a crash, recorded before QA) get it computed from their stored chunks
/// on first request.
/// </summary>
public sealed class QaService(RigProfile rig, ISessionStore store, RecordingPipeline pipeline, IRigClock clock,
    Calibration.Profiles.ICalibrationProfileStore profiles, ILogger<QaService> logger)
{
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
        store.SetQaReport(record.Session.Id, VerdictName(report.Verdict), report.ToJson());
        if (report.Verdict != QaVerdict.Pass)
            logger.LogWarning("Session {Session} QA {Verdict}: {Findings}", record.Session.Id, VerdictName(report.Verdict), Summary(report, 3));
        return report;
    }

    /// <summary>The live report of the recording session, if it is this one; else null.</summary>
    public QaReport? Live(string? sessionId = null)
    {
        if (pipeline.Active is not { } active || (sessionId is not null && active.Id != sessionId) || pipeline.ActiveObserver is not Observer o) return null;
        var status = pipeline.Status();
        var counts = status.Streams.ToDictionary(s => s.Descriptor.Id.Value, s => s.Session);
        return o.Report(clock.RigNow, counts, new Dictionary<string, BoundStats>(), CalibrationOf(active), final: false);
    }

    public QaReportInfo Get(string sessionId)
    {
        if (Live(sessionId) is { } live) return ToApi(sessionId, live, final: false, "");
        var record = store.GetSession(sessionId);
        if (record.QaReportJson.Length > 0)
            return new QaReportInfo { SessionId = sessionId, Verdict = record.QaVerdict, Final = true, Json = record.QaReportJson, RedactionJson = record.RedactionReportJson };
        var report = FromStore(record);
        store.SetQaReport(sessionId, VerdictName(report.Verdict), report.ToJson());
        return ToApi(sessionId, report, final: true, record.RedactionReportJson);
    }

    /// <summary>The worst findings of a stored report, for error messages ("cam0 frozen: ...").</summary>
    public string Summary(SessionRecord record)
    {
        if (record.QaReportJson.Length == 0) return $"QA verdict {record.QaVerdict}";
        try { return Summary(QaReport.FromJson(record.QaReportJson), 3); }
        catch (System.Text.Json.JsonException) { return $"QA verdict {record.QaVerdict}"; }
    }

    public static string Summary(QaReport report, int max)
    {
        var worst = report.Findings.Where(f => f.Verdict != QaVerdict.Pass).OrderByDescending(f => f.Verdict).Take(max).Select(f => f.Message).ToList();
        return worst.Count == 0 ? VerdictName(report.Verdict) : string.Join("; ", worst);
    }

    /// <summary>The stored report as an MCAP attachment of the session's exports.</summary>
    public SessionAttachment? Attachment(SessionRecord record) => SessionAttachment.QaReportOf(record);

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

    /// <summary>The check name of the findings that name a damaged chunk a recomputed report could not read.</summary>
    public const string DamagedChunkCheck = "damaged-chunk";

    private CalibrationInfo? CalibrationOf(Session session)
    {
        if (session.Calibration.Length == 0) return null;
        try
        {
            var p = profiles.Resolve(session.Calibration);
            return new CalibrationInfo(session.Calibration, p.CreatedAt);
        }
        catch (ArgumentException) { return null; }
    }

    public static string VerdictName(QaVerdict v) => v.ToString().ToLowerInvariant();

    private static QaReportInfo ToApi(string id, QaReport report, bool final, string redaction) =>
        new() { SessionId = id, Verdict = VerdictName(report.Verdict), Final = final, Json = report.ToJson(), RedactionJson = redaction };
}
