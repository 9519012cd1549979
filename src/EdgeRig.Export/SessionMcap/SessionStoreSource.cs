using System.Diagnostics.CodeAnalysis;
using EdgeRig.Core;

namespace EdgeRig.Export.SessionMcap;

/// <summary>A session read straight from the rig's <see cref="ISessionStore"/> (the service's export path).</summary>
public sealed class SessionStoreSource : ISessionSource
{
    private readonly ISessionStore _store;

    /// <exception cref="SessionNotFoundException">no session has that id.</exception>
    public SessionStoreSource(ISessionStore store, string sessionId)
    {
        _store = store;
        Record = store.GetSession(sessionId);
        Chunks = store.ListChunks(sessionId);
    }

    public SessionRecord Record { get; }

    public IReadOnlyList<ChunkInfo> Chunks { get; }

    public bool TryReadChunk(ChunkInfo chunk, [NotNullWhen(true)] out IReadOnlyList<Sample>? samples, [NotNullWhen(false)] out ChunkProblem? problem)
    {
        byte[] stored;
        try { stored = _store.ReadChunk(Record.Session.Id, chunk); }
        catch (CorruptChunkException e)
        {
            samples = null;
            var kind = e.Missing ? ChunkProblemKind.Missing : ChunkProblemKind.Corrupt;
            problem = new ChunkProblem(chunk.Stream.Value, chunk.Index, kind, e.Message);
            return false;
        }
        return ChunkDecoding.TryDecode(chunk, stored, out samples, out problem);
    }
}
