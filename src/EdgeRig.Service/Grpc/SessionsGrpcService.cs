using System.Buffers;
using System.IO.Pipelines;
using EdgeRig.Api.V1;
using EdgeRig.Core;
using EdgeRig.Calibration.Profiles;
using EdgeRig.Export;
using EdgeRig.Export.SessionMcap;
using EdgeRig.Formats;
using Google.Protobuf;
using global::Grpc.Core;

namespace EdgeRig.Service.Grpc;

/// <summary>Session listing, the verified, resumable pull, and export to MCAP. The egress policy (consent, redaction) is
/// required: no registration mistake can turn it off.</summary>
public sealed class SessionsGrpcService(ISessionStore store, Privacy.EgressPolicy egress, TimeProvider time, Recording.RecordingPipeline? pipeline = null,
    ICalibrationProfileStore? profiles = null, Quality.QaService? qa = null) : Sessions.SessionsBase
{
    /// <summary>Largest piece of chunk data in one message, well under every client's default receive limit.</summary>
    public const int PieceSize = 1024 * 1024;

    public override Task<ListSessionsResponse> ListSessions(ListSessionsRequest request, ServerCallContext context)
    {
        var reply = new ListSessionsResponse();
        reply.Sessions.AddRange(store.ListSessions().Select(r => r.ToApi()));
        return Task.FromResult(reply);
    }

    public override Task<SessionInfo> GetSession(GetSessionRequest request, ServerCallContext context)
    {
        string id = RequireId(request.SessionId);
        var info = store.GetSession(id).ToApi();
        info.Ptp = store.ReadPtp(id).ToApi();
        return Task.FromResult(info);
    }

    public override async Task PullSession(PullSessionRequest request, IServerStreamWriter<PullSessionResponse> responseStream, ServerCallContext context)
    {
        string id = RequireId(request.SessionId);
        var record = store.GetSession(id);
        var role = CallerRole(context);
        bool complete = record.Session.State != SessionState.Recording;
        var withheld = WithheldFromPull(record, role);
        var listing = PullListing.For(store, id, withheld);
        var chunks = listing.Chunks;
        if (request.FromChunk < 0 || request.FromChunk > chunks.Count)
            throw new ArgumentException($"from_chunk {request.FromChunk} is outside 0..{chunks.Count} for session '{id}'");
        RequireQaPassedOrForced(record, request.Force, role, "pull");

        await responseStream.WriteAsync(new PullSessionResponse
        {
            Header = new PullHeader
            {
                Session = record.ToApi(),
                TotalChunks = chunks.Count,
                SessionSha256 = complete ? listing.SessionSha256 : "",
                TotalBytes = chunks.Sum(c => (long)c.StoredLength),
                Complete = complete,
                Withheld = { withheld },
            },
        }, context.CancellationToken);

        for (int ordinal = request.FromChunk; ordinal < chunks.Count; ordinal++)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            if (pipeline is not null) await pipeline.YieldToRecordingAsync(context.CancellationToken); // pulls run below recording
            var chunk = chunks[ordinal];
            if (!listing.TryRead(store, id, ordinal, out var bytes, out var damage))
            {
                // one damaged chunk must not cost the rest of the session: name it in its place and go on
                await responseStream.WriteAsync(new PullSessionResponse
                {
                    Damaged = new DamagedChunk { Meta = chunk.ToApi(ordinal), Kind = damage.Missing ? "missing" : "corrupt", Reason = damage.Message },
                }, context.CancellationToken);
                continue;
            }
            using (bytes)
            {
                int total = bytes.Length;
                for (int offset = 0; offset < total || offset == 0; offset += PieceSize)
                {
                    int length = Math.Min(PieceSize, total - offset);
                    var piece = new ChunkData
                    {
                        Ordinal = ordinal,
                        Offset = offset,
                        // a copy: a writer may keep the message past WriteAsync, and the chunk's buffer is lent (pieces are
                        // at most 1 MiB and die once serialized; the whole chunk, up to 4 MiB and more, is read only once)
                        Data = ByteString.CopyFrom(bytes.Memory.Span.Slice(offset, length)),
                        Last = offset + length >= total,
                    };
                    if (offset == 0) piece.Meta = chunk.ToApi(ordinal);
                    await responseStream.WriteAsync(new PullSessionResponse { Chunk = piece }, context.CancellationToken);
                    if (total == 0) break;
                }
            }
        }
    }

    public override Task<SessionInfo> ConfirmPull(ConfirmPullRequest request, ServerCallContext context)
    {
        string id = RequireId(request.SessionId);
        var record = store.GetSession(id);
        if (record.Session.State == SessionState.Recording)
            throw new InvalidRigStateException($"session '{id}' is still recording; a pull of it cannot be complete yet");
        var withheld = WithheldFromPull(record, CallerRole(context));
        string expected = PullListing.For(store, id, withheld).SessionSha256;
        if (!string.Equals(expected, request.SessionSha256, StringComparison.Ordinal))
            throw new InvalidRigStateException($"session_sha256 '{request.SessionSha256}' does not match session '{id}' ({expected}); pull it again");
        store.MarkPulled(id, time.GetUtcNow());
        return Task.FromResult(store.GetSession(id).ToApi());
    }

    public override Task<DeleteSessionResponse> DeleteSession(DeleteSessionRequest request, ServerCallContext context)
    {
        string id = RequireId(request.SessionId);
        var record = store.GetSession(id);
        if (record.PulledAt is null && !request.Force)
            throw new InvalidRigStateException($"session '{id}' was never pulled and verified; delete it with force if you mean it");
        long bytes = store.SessionDiskBytes(id);
        store.DeleteSession(id);
        return Task.FromResult(new DeleteSessionResponse { SessionId = id, FreedBytes = bytes });
    }

    public override async Task ExportSession(ExportSessionRequest request, IServerStreamWriter<ExportChunk> responseStream, ServerCallContext context)
    {
        string id = RequireId(request.SessionId);
        if (request.Format != "mcap") throw new ArgumentException($"format '{request.Format}' is not supported; use \"mcap\"");
        if (request.FromNs < 0 || request.ToNs < 0) throw new ArgumentException($"from_ns {request.FromNs} / to_ns {request.ToNs}: must not be negative");
        for (int i = 0; i < request.Streams.Count; i++) StreamId.Parse(request.Streams[i], $"streams[{i}]");
        var record = store.GetSession(id);
        var calibration = CalibrationProfileLookup.ForExport(profiles, record, request.Calibration);
        if (record.Session.State == SessionState.Recording)
            throw new InvalidRigStateException($"session '{id}' is still recording; stop it before exporting");
        var role = CallerRole(context);
        var decision = egress.For(record, role);
        foreach (var s in request.Streams)
            if (decision.Withheld.TryGetValue(s, out var why)) throw new InvalidRigStateException($"stream '{s}' of session '{id}' may not leave the rig: {why}");
        var source = egress.Outgoing(store, record, decision, out var egressSource);
        var export = SessionExport.Prepare(source, new SessionExportOptions
        {
            Streams = request.Streams.ToList(),
            From = request.FromNs > 0 ? new RigTime(request.FromNs) : null,
            To = request.ToNs > 0 ? new RigTime(request.ToNs) : null,
            Compression = SessionMcapOptions.ParseCompression(request.Compression),
            Calibration = calibration,
        });
        RequireQaPassedOrForced(export.Record, request.Force, role, "export");

        var ct = context.CancellationToken;
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 4 * PieceSize, resumeWriterThreshold: 2 * PieceSize));
        var progress = new LatestProgress();
        var writing = Task.Run(() =>
        {
            try
            {
                using var file = pipe.Writer.AsStream(leaveOpen: true);
                var result = export.WriteMcap(file, progress, ct);
                pipe.Writer.Complete();
                return result;
            }
            catch (Exception e)
            {
                pipe.Writer.Complete(e);
                throw;
            }
        }, ct);
        try
        {
            await ForwardPiecesAsync(pipe.Reader, responseStream, progress, ct);
        }
        catch (Exception e)
        {
            await pipe.Reader.CompleteAsync(new OperationCanceledException("the export's reader stopped", e));
            throw;
        }
        await pipe.Reader.CompleteAsync();
        var summary = (await writing).ToApi();
        foreach (var (k, v) in decision.Withheld) summary.Withheld[k] = v;
        summary.FramesRedacted = egressSource?.FramesRedacted ?? 0;
        await responseStream.WriteAsync(new ExportChunk { Progress = 1, Summary = summary }, ct);
    }

    /// <summary>Sends the pipe's bytes in pieces of exactly <see cref="PieceSize"/> (the last may be shorter).</summary>
    private static async Task ForwardPiecesAsync(PipeReader reader, IServerStreamWriter<ExportChunk> responseStream, LatestProgress progress, CancellationToken ct)
    {
        while (true)
        {
            var read = await reader.ReadAsync(ct);
            var buffer = read.Buffer;
            while (buffer.Length >= PieceSize || (read.IsCompleted && buffer.Length > 0))
            {
                var piece = buffer.Slice(0, Math.Min(PieceSize, buffer.Length));
                await responseStream.WriteAsync(new ExportChunk { Data = UnsafeByteOperations.UnsafeWrap(piece.ToArray()), Progress = progress.Value }, ct);
                buffer = buffer.Slice(piece.End);
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
            if (read.IsCompleted) return;
        }
    }

    /// <summary>Keeps the latest progress value reported from the export thread.</summary>
    private sealed class LatestProgress : IProgress<double>
    {
        private double _value;
        public double Value => Volatile.Read(ref _value);
        public void Report(double value) => Volatile.Write(ref _value, value);
    }

    public override Task<QaReportInfo> GetQaReport(GetQaReportRequest request, ServerCallContext context)
    {
        string id = RequireId(request.SessionId);
        if (qa is null) throw new InvalidRigStateException("QA reports are not available on this rig");
        return Task.FromResult(qa.Get(id));
    }

    private static Role CallerRole(ServerCallContext context) =>
        Security.AuthInterceptor.CallerOf(context)?.Role ?? Role.Technician;

    /// <summary>A session that failed QA leaves the rig only when a data or admin caller forces it.</summary>
    private void RequireQaPassedOrForced(SessionRecord record, bool force, Role role, string what)
    {
        if (record.QaVerdict != QaVerdict.Fail) return;
        if (!force)
            throw new InvalidRigStateException($"session '{record.Session.Id}' failed QA ({Quality.QaService.Summary(record)}); {what} it with --force (data or admin role) if you mean it");
        if (role is not (Role.Data or Role.Admin))
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"forcing the {what} of a session that failed QA needs the data or admin role; yours is {role.ToString().ToLowerInvariant()}"));
    }

    /// <summary>Streams a pull must leave out: pulls carry stored bytes, so frames that would need redaction are withheld too.</summary>
    private Dictionary<string, string> WithheldFromPull(SessionRecord record, Role role) => egress.WithheldFromStoredBytes(record, role);

    private static string RequireId(string id) =>
        string.IsNullOrWhiteSpace(id) ? throw new ArgumentException("session_id must not be empty") : id;
}
