using EdgeRig.Api.V1;
using EdgeRig.Core;
using Google.Protobuf;
using global::Grpc.Core;

namespace EdgeRig.Service.Grpc;

/// <summary>Session listing and the verified, resumable pull.</summary>
public sealed class SessionsGrpcService(ISessionStore store) : Sessions.SessionsBase
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
        if (record.Session.State == SessionState.Recording)
            throw new InvalidRigStateException($"session '{id}' is still recording; stop it before pulling");
        var chunks = store.ListChunks(id);
        if (request.FromChunk < 0 || request.FromChunk > chunks.Count)
            throw new ArgumentException($"from_chunk {request.FromChunk} is outside 0..{chunks.Count} for session '{id}'");

        await responseStream.WriteAsync(new PullSessionResponse
        {
            Header = new PullHeader
            {
                Session = record.ToApi(),
                TotalChunks = chunks.Count,
                SessionSha256 = SessionHash.Compute(chunks.Select(c => (c.Stream.Value, c.Index, c.Sha256Hex))),
                TotalBytes = chunks.Sum(c => (long)c.StoredLength),
            },
        }, context.CancellationToken);

        for (int ordinal = request.FromChunk; ordinal < chunks.Count; ordinal++)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
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

    private static string RequireId(string id) =>
        string.IsNullOrWhiteSpace(id) ? throw new ArgumentException("session_id must not be empty") : id;
}
