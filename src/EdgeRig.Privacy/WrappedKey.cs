namespace EdgeRig.Privacy;

/// <summary>
/// A data key sealed under a key ring's key (envelope encryption). Store it with the session it protects: deleting every copy
/// crypto-shreds that session's chunks without touching the key file, and rotating the ring only re-wraps these few bytes.
/// </summary>
public sealed class WrappedKey
{
    private readonly byte[] _sealed;

    /// <param name="keyId">Id of the wrapped data key.</param>
    /// <param name="sealedKey">The key as a <see cref="ChunkCipher"/> envelope, which names the key-encryption key.</param>
    public WrappedKey(string keyId, byte[] sealedKey)
    {
        DataKey.ValidateId(keyId);
        ArgumentNullException.ThrowIfNull(sealedKey);
        if (!ChunkCipher.TryReadKeyId(sealedKey, out string? kekId) || sealedKey.Length != ChunkCipher.SealedLength(DataKey.Size, kekId))
            throw new ArgumentException($"wrapped key '{keyId}' is not a sealed {DataKey.Size}-byte key", nameof(sealedKey));
        KeyId = keyId;
        KekId = kekId;
        _sealed = sealedKey;
    }

    /// <summary>Id of the wrapped data key (the id its chunks carry).</summary>
    public string KeyId { get; }

    /// <summary>Id of the key ring's key that wraps it.</summary>
    public string KekId { get; }

    /// <summary>The sealed key bytes (a copy).</summary>
    public byte[] Sealed => (byte[])_sealed.Clone();

    internal ReadOnlySpan<byte> SealedSpan => _sealed;

    /// <summary>"keyId:base64", for a catalogue field.</summary>
    public string ToText() => $"{KeyId}:{Convert.ToBase64String(_sealed)}";

    /// <exception cref="FormatException">not the text of a wrapped key.</exception>
    public static WrappedKey Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int colon = text.LastIndexOf(':');
        if (colon <= 0) throw new FormatException("not a wrapped key: expected \"keyId:base64\"");
        string id = text[..colon];
        byte[] bytes;
        try { bytes = Convert.FromBase64String(text[(colon + 1)..]); }
        catch (FormatException) { throw new FormatException($"wrapped key '{id}': the sealed part is not base64"); }
        try { return new WrappedKey(id, bytes); }
        catch (ArgumentException e) { throw new FormatException(e.Message); }
    }

    public override string ToString() => $"WrappedKey {KeyId} under {KekId}";

    /// <summary>Associated data binding a wrapped key to its id, so a wrapped key cannot be relabelled as another session's.</summary>
    internal static string AadFor(string keyId) => $"edgerig-data-key/{keyId}";
}
