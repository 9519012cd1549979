using EdgeRig.Core;

namespace EdgeRig.Privacy;

/// <summary>The store's <see cref="IChunkCipher"/> over a <see cref="KeyRing"/>: AES-256-GCM envelopes (<see cref="ChunkCipher"/>), one fresh nonce per chunk.</summary>
public sealed class KeyRingChunkCipher(KeyRing keys) : IChunkCipher
{
    public string CurrentKeyId => keys.Current.Id;

    public int KeyCount => keys.KeyIds.Count;

    public byte[] Seal(string keyId, IReadOnlyList<ReadOnlyMemory<byte>> pieces, int plainLength, string aad) =>
        ChunkCipher.Seal(keys.Get(keyId), pieces, aad);

    public byte[] Open(ReadOnlySpan<byte> sealedBytes, string aad)
    {
        try { return ChunkCipher.Open(keys, sealedBytes, aad); }
        catch (ChunkDecryptionException e) { throw new CorruptChunkException(e.Message); }
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
