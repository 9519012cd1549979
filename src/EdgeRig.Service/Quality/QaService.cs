using EdgeRig.Api.V1;
using EdgeRig.Core;
using EdgeRig.Quality;
using EdgeRig.Recording;
using EdgeRig.Service.Grpc;

namespace EdgeRig.Service.Quality;

/// <summary>
/// QA reports in the service: each session gets a <see cref="SessionQa"/> fed by the recorder's writer task
/// (<see cref="SessionQaReports"/>); the live report answers status and `edgerig qa` while it records, the final one is made
/// at stop and stored with the session (and attached to its exports). Sessions without one (recovered after a crash, recorded
/// before QA) get it computed from their stored chunks on first request.
/// </summary>
public sealed class QaService(SessionQaReports reports, ISessionCatalogue store, RecordingPipeline pipeline, IRigClock clock)
{
    /// <summary>The check name of the findings that name a damaged chunk a recomputed report could not read.</summary>
    public const string DamagedChunkCheck = SessionQaReports.DamagedChunkCheck;

    /// <summary>The live report of the recording session, if it is this one; else null.</summary>
    public QaReport? Live(string? sessionId = null)
    {
        if (pipeline.Active is not { } active || (sessionId is not null && active.Id != sessionId) || pipeline.ActiveObserver is not SessionQaReports.Observer o) return null;
        var status = pipeline.Status();
        var counts = status.Streams.ToDictionary(s => s.Descriptor.Id.Value, s => s.Session);
        return o.Report(clock.RigNow, counts, new Dictionary<string, BoundStats>(), reports.CalibrationOf(active), final: false);
    }

    public QaReportInfo Get(string sessionId)
    {
        if (Live(sessionId) is { } live) return ToApi(sessionId, live, final: false, "");
        var record = store.GetSession(sessionId);
        if (record.QaReportJson.Length > 0)
            return new QaReportInfo { SessionId = sessionId, Verdict = ApiMapping.ToApi(record.QaVerdict), Final = true, Json = record.QaReportJson, RedactionJson = record.RedactionReportJson };
        var report = reports.FromStore(record);
        store.SetQaReport(sessionId, report.Verdict, report.ToJson());
        return ToApi(sessionId, report, final: true, record.RedactionReportJson);
    }

    /// <summary>The worst findings of a stored report, for error messages ("cam0 frozen: ...").</summary>
    public static string Summary(SessionRecord record)
    {
        string verdict = record.QaVerdict?.Name() ?? "not made yet";
        if (record.QaReportJson.Length == 0) return $"QA verdict {verdict}";
        try { return Summary(QaReport.FromJson(record.QaReportJson), 3); }
        catch (System.Text.Json.JsonException) { return $"QA verdict {verdict}"; }
    }

    public static string Summary(QaReport report, int max)
    {
        var worst = report.Findings.Where(f => f.Verdict != QaVerdict.Pass).OrderByDescending(f => f.Verdict).Take(max).Select(f => f.Message).ToList();
        return worst.Count == 0 ? report.Verdict.Name() : string.Join("; ", worst);
    }

    /// <summary>The stored report as an MCAP attachment of the session's exports.</summary>
    public SessionAttachment? Attachment(SessionRecord record) => SessionAttachment.QaReportOf(record);

    private static QaReportInfo ToApi(string id, QaReport report, bool final, string redaction) =>
        new() { SessionId = id, Verdict = ApiMapping.ToApi(report.Verdict), Final = final, Json = report.ToJson(), RedactionJson = redaction };
}
