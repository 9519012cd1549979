using EdgeRig.Api.V1;
using EdgeRig.Core;
using EdgeRig.Export.SessionMcap;

namespace EdgeRig.Service.Quality;

/// <summary>QA reports in the service: live for the recording session, final at stop (stored with the session), attached to exports.</summary>
public sealed class QaService
{
    public Recording.ISessionObserver? Create(Session session, IReadOnlyList<StreamDescriptor> streams) => null;
    public void Finish(SessionRecord record, Recording.ISessionObserver? observer) { }
    public QaReportInfo Get(string sessionId) => throw new NotImplementedException(sessionId);
    public string Summary(SessionRecord record) => record.QaVerdict;
    public SessionAttachment? Attachment(SessionRecord record) => null;
}
