using System.Buffers;
using System.IO.Pipelines;
using EdgeRig.Api.V1;
using EdgeRig.Core;
using EdgeRig.Export.SessionMcap;
using Google.Protobuf;
using global::Grpc.Core;

namespace EdgeRig.Service.Grpc;

/// <summary>Session listing, the verified, resumable pull, and export to MCAP.</summary>
public sealed class SessionsGrpcService(ISessionStore store, Recording.RecordingPipeline? pipeline = null, Calibration.Profiles.ICalibrationProfileStore? profiles = null) : Sessions.SessionsBase
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
        bool complete = record.Session.State != SessionState.Recording;
        var chunks = store.ListChunksWithSha256(id);
        if (request.FromChunk < 0 || request.FromChunk > chunks.Count)
            throw new ArgumentException($"from_chunk {request.FromChunk} is outside 0..{chunks.Count} for session '{id}'");

        await responseStream.WriteAsync(new PullSessionResponse
        {
            Header = new PullHeader
            {
                Session = record.ToApi(),
                TotalChunks = chunks.Count,
                SessionSha256 = complete ? SessionHash.Compute(chunks.Select(c => (c.Stream.Value, c.Index, c.Sha256Hex))) : "",
                TotalBytes = chunks.Sum(c => (long)c.StoredLength),
                Complete = complete,
            },
        }, context.CancellationToken);

        for (int ordinal = request.FromChunk; ordinal < chunks.Count; ordinal++)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            if (pipeline is not null) await pipeline.YieldToRecordingAsync(context.CancellationToken); // pulls run below recording
            var chunk = chunks[ordinal];
            byte[] bytes = store.ReadChunk(id, chunk);
            for (int offset = 0; offset < bytes.Length || offset == 0; offset += PieceSize)
            {
                int length = Math.Min(PieceSize, bytes.Length - offset);
                var piece = new ChunkData
                {
                    Ordinal = ordinal,
                    Offset = offset,
                    Data = UnsafeByteOperations.UnsafeWrap(bytes.AsMemory(offset, length)),
                    Last = offset + length >= bytes.Length,
                };
                if (offset == 0) piece.Meta = chunk.ToApi(ordinal);
                await responseStream.WriteAsync(new PullSessionResponse { Chunk = piece }, context.CancellationToken);
                if (bytes.Length == 0) break;
            }
        }
    }

    public override Task<SessionInfo> ConfirmPull(ConfirmPullRequest request, ServerCallContext context)
    {
        string id = RequireId(request.SessionId);
        var record = store.GetSession(id);
        if (record.Session.State == SessionState.Recording)
            throw new InvalidRigStateException($"session '{id}' is still recording; a pull of it cannot be complete yet");
        string expected = SessionHash.Compute(store.ListChunksWithSha256(id).Select(c => (c.Stream.Value, c.Index, c.Sha256Hex)));
        if (!string.Equals(expected, request.SessionSha256, StringComparison.Ordinal))
            throw new InvalidRigStateException($"session_sha256 '{request.SessionSha256}' does not match session '{id}' ({expected}); pull it again");
        store.MarkPulled(id, DateTimeOffset.UtcNow);
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
        ISessionSource source = new SessionStoreSource(store, id);
        // the request's profile, else the one the session is read with; "none" exports uncalibrated rig time
        string calibration = request.Calibration.Length > 0 ? request.Calibration : source.Record.Session.Calibration;
        if (calibration.Length > 0 && calibration != "none")
        {
            if (profiles is null) throw new InvalidRigStateException("calibration profiles are not available on this rig");
            try { source = new Calibration.Profiles.CalibratedSessionSource(source, CalibrationGrpcService.Resolve(profiles, calibration)); }
            catch (InvalidOperationException e) { throw new ArgumentException(e.Message); }
        }
        if (source.Record.Session.State == SessionState.Recording)
            throw new InvalidRigStateException($"session '{id}' is still recording; stop it before exporting");
        var options = new SessionMcapOptions
        {
            Streams = request.Streams.ToList(),
            From = request.FromNs > 0 ? new RigTime(request.FromNs) : null,
            To = request.ToNs > 0 ? new RigTime(request.ToNs) : null,
            Compression = SessionMcapOptions.ParseCompression(request.Compression),
            Attachments = source is Calibration.Profiles.CalibratedSessionSource calibrated ? [calibrated.Attachment] : [],
        };
        options.Validate(source.Record.Streams);

        var ct = context.CancellationToken;
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 4 * PieceSize, resumeWriterThreshold: 2 * PieceSize));
        var progress = new LatestProgress();
        var export = Task.Run(() =>
        {
            try
            {
                using var file = pipe.Writer.AsStream(leaveOpen: true);
                var result = SessionMcapExporter.Export(source, file, options, progress, ct);
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
        var summary = Summary(await export);
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

    private static ExportSummary Summary(SessionMcapResult result)
    {
        var summary = new ExportSummary { Format = "mcap", Bytes = result.Bytes, Sha256 = result.Sha256 };
        foreach (var (topic, n) in result.MessageCounts) summary.MessageCounts[topic] = n;
        summary.Problems.AddRange(result.Problems.Select(p => new ExportProblem
        {
            Stream = p.Stream, Index = p.Index, Kind = p.Kind.ToString().ToLowerInvariant(), Reason = p.Reason,
        }));
        return summary;
    }

    /// <summary>Keeps the latest progress value reported from the export thread.</summary>
    private sealed class LatestProgress : IProgress<double>
    {
        private double _value;
        public double Value => Volatile.Read(ref _value);
        public void Report(double value) => Volatile.Write(ref _value, value);
    }

    private static string RequireId(string id) =>
        string.IsNullOrWhiteSpace(id) ? throw new ArgumentException("session_id must not be empty") : id;
}
