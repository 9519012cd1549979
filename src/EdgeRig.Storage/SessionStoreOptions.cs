using EdgeRig.Core;

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

    /// <summary>Encrypts the chunks of sessions created from now on (AES-256-GCM per chunk); null stores them in the clear.
    /// Needed to read encrypted sessions back.</summary>
    public IChunkCipher? Cipher { get; init; }

    /// <summary>New sessions are encrypted with the cipher's current key.</summary>
    public bool EncryptNewSessions { get; init; }

    /// <summary>The wall clock of the notes the store writes itself (when a stream was purged); the system's unless a test fakes it.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Where the durable files' writes and syncs go: the operating system, or a test's recorder.</summary>
    public Durability.FileLayer Files { get; init; } = Durability.FileLayer.Os;
}
