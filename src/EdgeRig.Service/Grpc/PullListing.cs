using System.Diagnostics.CodeAnalysis;
using EdgeRig.Core;

namespace EdgeRig.Service.Grpc;

/// <summary>
/// The chunks a pull sends, in pull order, each with its SHA-256, and the chunks already known to be unreadable.
/// A chunk that fails its checksum while being hashed keeps an empty SHA-256 (the session hash uses the same) and is
/// sent as damaged instead of aborting the pull.
/// </summary>
internal sealed record PullListing(IReadOnlyList<ChunkInfo> Chunks, IReadOnlyDictionary<int, CorruptChunkException> Unreadable)
{
    /// <summary>The session's chunks minus the withheld streams.</summary>
    public static PullListing For(IChunkReader store, string sessionId, IReadOnlyDictionary<string, string> withheld) =>
        // the store hashes every chunk it can read (and keeps the hashes); an unreadable one has none and is sent as damaged
        new(store.ListChunksWithSha256(sessionId).Where(c => !withheld.ContainsKey(c.Stream.Value)).ToList(), new Dictionary<int, CorruptChunkException>());

    /// <summary>The chunk's stored bytes (CRC-checked by the store), or why they cannot be had. The bytes are lent from the
    /// store's buffer pool where it has one (<see cref="IChunkReader.RentChunk"/>): dispose them once sent.</summary>
    public bool TryRead(IChunkReader store, string sessionId, int ordinal, [NotNullWhen(true)] out RentedChunk? bytes, [NotNullWhen(false)] out CorruptChunkException? damage)
    {
        bytes = null;
        if (Unreadable.TryGetValue(ordinal, out damage)) return false;
        try
        {
            bytes = store.RentChunk(sessionId, Chunks[ordinal]);
            return true;
        }
        catch (CorruptChunkException e)
        {
            damage = e;
            return false;
        }
    }

    /// <summary>The hash a complete pull is verified against (damaged chunks the rig never hashed count with an empty SHA-256).</summary>
    public string SessionSha256 => SessionHash.Compute(Chunks.Select(c => (c.Stream.Value, c.Index, c.Sha256Hex)));
}
