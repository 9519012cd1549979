namespace EdgeRig.Storage;

/// <summary>Where a session's chunk bytes go.</summary>
public enum ChunkPayloadLayout
{
    /// <summary>Chunk bytes in an append-only segment file beside the session's LiteDB file, which indexes them (default: near disk speed).</summary>
    Segments,
    /// <summary>Chunk bytes inside the session's LiteDB file (simplest; about a seventh of disk speed for camera-heavy data).</summary>
    Embedded,
}

/// <summary>Settings of the LiteDB session store.</summary>
public sealed record SessionStoreOptions
{
    public ChunkPayloadLayout Layout { get; init; } = ChunkPayloadLayout.Segments;

    /// <summary>Free space to keep on the data disk: a write that would go below it is refused and recording stops cleanly.</summary>
    public long FreeSpaceReserveBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>Room above the reserve a new session needs to start, so it does not stop again at once.</summary>
    public long StartHeadroomBytes { get; init; } = 32L * 1024 * 1024;
}
