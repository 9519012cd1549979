namespace EdgeRig.Privacy;

/// <summary>Why a sealed chunk could not be opened.</summary>
public enum ChunkDecryptionFailure
{
    /// <summary>Not an ERE1 envelope, or truncated.</summary>
    BadEnvelope,
    /// <summary>The envelope names a key the key ring does not hold.</summary>
    UnknownKey,
    /// <summary>The GCM tag does not verify: the bytes were altered, belong to another chunk (associated data), or the key is wrong.</summary>
    TagMismatch,
}

/// <summary>A sealed chunk cannot be decrypted; the message names the chunk (its associated data) and why. Never carries key material.</summary>
public sealed class ChunkDecryptionException : Exception
{
    public ChunkDecryptionException(string chunk, ChunkDecryptionFailure failure, string detail, string? keyId = null, Exception? inner = null)
        : base($"chunk '{chunk}' cannot be decrypted: {detail}", inner)
    {
        Chunk = chunk;
        Failure = failure;
        KeyId = keyId;
    }

    /// <summary>The chunk's identity as passed for associated data, e.g. "session/stream/index".</summary>
    public string Chunk { get; }

    public ChunkDecryptionFailure Failure { get; }

    /// <summary>The key id the envelope names, when it could be read.</summary>
    public string? KeyId { get; }
}
