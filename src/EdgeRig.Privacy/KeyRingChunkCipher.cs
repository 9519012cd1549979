using EdgeRig.Core;

namespace EdgeRig.Privacy;

/// <summary>
/// The store's <see cref="IChunkCipher"/> over a <see cref="KeyRing"/>: a data key per session, wrapped under the ring's current key;
/// AES-256-GCM envelopes (<see cref="ChunkCipher"/>) with a fresh nonce per chunk. Unwrapped session keys are cached while in use.
/// </summary>
public sealed class KeyRingChunkCipher(KeyRing keys) : IChunkCipher, IDisposable
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DataKey> _unwrapped = new();

    public string CurrentKeyId => keys.Current.Id;

    public int KeyCount => keys.KeyIds.Count;

    public string NewSessionKey(string sessionId)
    {
        using var key = DataKey.Generate($"s-{sessionId}");
        return key.Wrap(keys.Current).ToText();
    }

    public string WrappingKeyOf(string wrappedKey) => WrappedKey.Parse(wrappedKey).KekId;

    public byte[] Seal(string wrappedKey, IReadOnlyList<ReadOnlyMemory<byte>> pieces, int plainLength, string aad) =>
        ChunkCipher.Seal(SessionKey(wrappedKey, aad), pieces, aad);

    public byte[] Open(string wrappedKey, ReadOnlySpan<byte> sealedBytes, string aad)
    {
        try { return ChunkCipher.Open(SessionKey(wrappedKey, aad), sealedBytes, aad); }
        catch (ChunkDecryptionException e) { throw new CorruptChunkException(e.Message); }
    }

    /// <exception cref="CorruptChunkException">the wrapped key is malformed, altered, or sealed under a key the ring no longer has.</exception>
    private DataKey SessionKey(string wrappedKey, string aad)
    {
        if (_unwrapped.TryGetValue(wrappedKey, out var key)) return key;
        try
        {
            key = keys.Unwrap(WrappedKey.Parse(wrappedKey));
        }
        catch (Exception e) when (e is ChunkDecryptionException or FormatException)
        {
            throw new CorruptChunkException($"chunk '{aad}': the session's data key cannot be unwrapped ({e.Message})");
        }
        if (!_unwrapped.TryAdd(wrappedKey, key)) key.Dispose();
        return _unwrapped[wrappedKey];
    }

    public void Dispose()
    {
        foreach (var key in _unwrapped.Values) key.Dispose();
        _unwrapped.Clear();
    }

    public string Rotate() => keys.Rotate().Id;

    /// <summary>The rig's key ring: the key file named in the rig file, else the systemd credential if the service has one, else DATA/keys/data.keys (created, mode 0600).</summary>
    public static KeyRing OpenRing(PrivacyProfile privacy, string dataDir)
    {
        if (privacy.KeyFile.Length > 0) return KeyRing.Open(privacy.KeyFile, createIfMissing: false);
        if (Environment.GetEnvironmentVariable("CREDENTIALS_DIRECTORY") is { Length: > 0 } credentials
            && File.Exists(Path.Combine(credentials, KeyRing.DefaultCredentialName)))
            return KeyRing.FromSystemdCredential(KeyRing.DefaultCredentialName);
        return KeyRing.Open(Path.Combine(dataDir, "keys", "data.keys"), createIfMissing: true);
    }
}
