using EdgeRig.Core;
using EdgeRig.Privacy;
using EdgeRig.Recording;
using EdgeRig.Service.Quality;

namespace EdgeRig.Service;

/// <summary>Where capture redaction is counted for the session report: null when the rig does not redact at capture.</summary>
public sealed record CaptureRedactionSetup(CaptureRedactionReport? Report);

/// <summary>
/// The reports each session gets from its recording: the QA analysis fed while it records and finished at stop, and (when
/// redacting at capture) the redaction report counted from its start. Given to the pipeline at construction.
/// </summary>
public sealed class SessionReports(SessionQaReports qa, ISessionCatalogue store, CaptureRedactionSetup capture) : ISessionLifecycle
{
    public ISessionObserver? Starting(Session session, IReadOnlyList<StreamDescriptor> streams)
    {
        capture.Report?.BeginSession();
        return qa.Create(session, streams);
    }

    public void Finished(SessionRecord record, ISessionObserver? observer)
    {
        if (capture.Report is { } redaction) store.SetRedactionReport(record.Session.Id, redaction.SessionReportJson());
        qa.Finish(record, observer);
    }
}
