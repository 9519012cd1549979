using System.Diagnostics.CodeAnalysis;
using EdgeRig.Core;

namespace EdgeRig.Formats;

/// <summary>
/// A session read straight from the rig's <see cref="ISessionStore"/>: the one store-backed reader behind export, QA and
/// calibration. A chunk the store cannot give back, or whose bytes do not decode, is named as a <see cref="ChunkProblem"/>.
/// </summary>
public sealed class SessionStoreSource : ISessionSource
{
    private readonly ISessionStore _store;

    /// <exception cref="SessionNotFoundException">no session has that id.</exception>
    public SessionStoreSource(ISessionStore store, string sessionId)
        : this(store, store.GetSession(sessionId))
    {
    }

    /// <summary>A reader of a session whose record the caller already holds.</summary>
    public SessionStoreSource(ISessionStore store, SessionRecord record)
    {
        _store = store;
        Record = record;
        Chunks = store.ListChunks(record.Session.Id);
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
