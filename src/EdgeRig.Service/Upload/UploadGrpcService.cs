using EdgeRig.Api.V1;
using global::Grpc.Core;

namespace EdgeRig.Service.Upload;

/// <summary>The upload queue over gRPC: status for anyone, retry and pause for the roles in RolePolicy, release for admins.</summary>
public sealed class UploadGrpcService(UploadQueue queue) : Api.V1.Upload.UploadBase
{
    public override Task<UploadStatus> GetUploadStatus(GetUploadStatusRequest request, ServerCallContext context) =>
        Task.FromResult(Status(queue, withSessions: true));

    public override Task<UploadEntryInfo> RetryUpload(UploadSessionRequest request, ServerCallContext context) =>
        Task.FromResult(ToApi(queue.Retry(RequireId(request.SessionId), Who(context)), queue));

    public override Task<UploadEntryInfo> ReleaseUpload(UploadSessionRequest request, ServerCallContext context) =>
        Task.FromResult(ToApi(queue.Release(RequireId(request.SessionId), Who(context)), queue));

    public override Task<UploadStatus> PauseUploads(PauseUploadsRequest request, ServerCallContext context)
    {
        queue.Pause(Who(context));
        return Task.FromResult(Status(queue, withSessions: false));
    }

    public override Task<UploadStatus> ResumeUploads(ResumeUploadsRequest request, ServerCallContext context)
    {
        queue.Resume(Who(context));
        return Task.FromResult(Status(queue, withSessions: false));
    }

    /// <summary>The queue as the API shows it (RigStatus carries it without the session list).</summary>
    public static UploadStatus Status(UploadQueue queue, bool withSessions)
    {
        var status = new UploadStatus { Configured = queue.Configured, Destination = queue.Destination, Paused = queue.Paused };
        if (!queue.Configured) return status;
        var entries = queue.Entries();
        status.BacklogBytes = queue.BacklogBytes;
        status.RateBytesPerSecond = queue.RateBytesPerSecond;
        status.UploadedBytesTotal = queue.UploadedBytesTotal;
        status.FailuresTotal = queue.FailuresTotal;
        status.CurrentSession = queue.Current ?? "";
        foreach (var state in Enum.GetValues<UploadState>()) status.Counts[UploadEntry.Name(state)] = entries.Count(e => e.State == state);
        if (withSessions) status.Sessions.AddRange(entries.Select(e => ToApi(e, queue)));
        return status;
    }

    private static UploadEntryInfo ToApi(UploadEntry e, UploadQueue queue)
    {
        double rate = e.State == UploadState.Uploading && queue.Current == e.SessionId ? queue.RateBytesPerSecond : 0;
        var info = new UploadEntryInfo
        {
            SessionId = e.SessionId,
            State = UploadEntry.Name(e.State),
            Reason = e.Reason,
            BytesDone = e.BytesDone,
            BytesTotal = e.BytesTotal,
            RateBytesPerSecond = rate,
            EtaSeconds = rate > 0 && e.BytesTotal > e.BytesDone ? (e.BytesTotal - e.BytesDone) / rate : 0,
            Attempts = e.Attempts,
            QueuedAtMs = e.QueuedAt.ToUnixTimeMilliseconds(),
            NextAttemptAtMs = e.NextAttemptAt?.ToUnixTimeMilliseconds() ?? 0,
            UploadedAtMs = e.UploadedAt?.ToUnixTimeMilliseconds() ?? 0,
            ReleasedBy = e.ReleasedBy,
            ManifestKey = e.ManifestKey,
            RigCopyDeleted = e.RigCopyDeleted,
        };
        foreach (var (k, v) in e.Withheld) info.Withheld[k] = v;
        return info;
    }

    private static string Who(ServerCallContext context) => Security.AuthInterceptor.CallerOf(context)?.TokenName ?? "(anonymous)";

    private static string RequireId(string id) =>
        string.IsNullOrWhiteSpace(id) ? throw new ArgumentException("session_id must not be empty") : id;
}
