using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace EdgeRig.Privacy;

/// <summary>
/// Seals chunks at rest with AES-256-GCM. Envelope ("ERE1"):
/// <c>"ERE1" | u8 keyIdLength | keyId (UTF-8) | 12-byte nonce | ciphertext | 16-byte tag</c>, a fresh random nonce per chunk.
/// The tag covers the header (magic, key id) and the chunk's identity (associated data, e.g. "session/stream/index"), so a
/// chunk cannot be edited, relabelled to another key, or swapped for another chunk without failing to open.
/// </summary>
public static class ChunkCipher
{
    public const int NonceSize = 12, TagSize = 16;

    private const int MagicSize = 4, StackAadLimit = 512;

    /// <summary>The envelope's first four bytes.</summary>
    public static ReadOnlySpan<byte> Magic => "ERE1"u8;

    /// <summary>Bytes before the ciphertext: magic, key id length and key id, nonce.</summary>
    public static int HeaderLength(string keyId)
    {
        DataKey.ValidateId(keyId);
        return MagicSize + 1 + Encoding.UTF8.GetByteCount(keyId) + NonceSize;
    }

    /// <summary>Length of the envelope of <paramref name="plainLength"/> bytes sealed under key <paramref name="keyId"/>.</summary>
    public static int SealedLength(int plainLength, string keyId)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(plainLength);
        return checked(HeaderLength(keyId) + plainLength + TagSize);
    }

    public static byte[] Seal(DataKey key, ReadOnlySpan<byte> plain, string aad)
    {
        ArgumentNullException.ThrowIfNull(key);
        var output = new byte[SealedLength(plain.Length, key.Id)];
        Seal(key, plain, aad, output);
        return output;
    }

    /// <summary>Seals into <paramref name="destination"/> (at least <see cref="SealedLength"/> bytes); returns the bytes written.</summary>
    public static int Seal(DataKey key, ReadOnlySpan<byte> plain, string aad, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(aad);
        int length = SealedLength(plain.Length, key.Id);
        if (destination.Length < length) throw new ArgumentException($"destination has {destination.Length} bytes, the envelope needs {length}", nameof(destination));
        int header = WriteHeader(key.Id, destination);
        Encrypt(key, destination[..header], plain, destination.Slice(header, plain.Length), destination.Slice(header + plain.Length, TagSize), aad);
        return length;
    }

    /// <summary>Seals a chunk given as gather pieces: each piece is copied once, into the envelope, and encrypted there in place.</summary>
    public static byte[] Seal(DataKey key, IReadOnlyList<ReadOnlyMemory<byte>> pieces, string aad)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(pieces);
        ArgumentNullException.ThrowIfNull(aad);
        long total = 0;
        for (int i = 0; i < pieces.Count; i++) total += pieces[i].Length;
        if (total > Array.MaxLength) throw new ArgumentException($"the pieces hold {total} bytes, more than one chunk can", nameof(pieces));
        var output = new byte[SealedLength((int)total, key.Id)];
        int header = WriteHeader(key.Id, output);
        int at = header;
        for (int i = 0; i < pieces.Count; i++)
        {
            pieces[i].Span.CopyTo(output.AsSpan(at));
            at += pieces[i].Length;
        }
        var body = output.AsSpan(header, (int)total);
        Encrypt(key, output.AsSpan(0, header), body, body, output.AsSpan(at, TagSize), aad);
        return output;
    }

    /// <summary>Opens a chunk with the ring key its envelope names.</summary>
    /// <exception cref="ChunkDecryptionException">bad envelope, unknown key id, or tag mismatch; the message names the chunk.</exception>
    public static byte[] Open(KeyRing keys, ReadOnlySpan<byte> sealedBytes, string aad)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(aad);
        string keyId = ReadKeyId(sealedBytes, aad);
        if (!keys.TryGet(keyId, out var key))
            throw new ChunkDecryptionException(aad, ChunkDecryptionFailure.UnknownKey, $"key '{keyId}' is not in the key ring ({keys.Source})", keyId);
        return Decrypt(key, sealedBytes, aad);
    }

    /// <summary>Opens a chunk sealed under one known key, e.g. a session's unwrapped data key.</summary>
    /// <exception cref="ChunkDecryptionException">bad envelope, another key's chunk, or tag mismatch; the message names the chunk.</exception>
    public static byte[] Open(DataKey key, ReadOnlySpan<byte> sealedBytes, string aad)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(aad);
        string keyId = ReadKeyId(sealedBytes, aad);
        if (keyId != key.Id)
            throw new ChunkDecryptionException(aad, ChunkDecryptionFailure.UnknownKey, $"sealed under key '{keyId}', not '{key.Id}'", keyId);
        return Decrypt(key, sealedBytes, aad);
    }

    /// <summary>The key id an envelope names, or false when the bytes are not an ERE1 envelope.</summary>
    public static bool TryReadKeyId(ReadOnlySpan<byte> sealedBytes, [NotNullWhen(true)] out string? keyId)
    {
        keyId = null;
        if (sealedBytes.Length < MagicSize + 1 || !sealedBytes.StartsWith(Magic)) return false;
        int idLength = sealedBytes[MagicSize];
        if (idLength == 0 || sealedBytes.Length < MagicSize + 1 + idLength + NonceSize + TagSize) return false;
        string id;
        try { id = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(sealedBytes.Slice(MagicSize + 1, idLength)); }
        catch (DecoderFallbackException) { return false; }
        if (!DataKey.IsValidId(id)) return false;
        keyId = id;
        return true;
    }

    private static string ReadKeyId(ReadOnlySpan<byte> sealedBytes, string aad)
    {
        if (TryReadKeyId(sealedBytes, out string? keyId)) return keyId;
        string why = !sealedBytes.StartsWith(Magic)
            ? $"not an ERE1 envelope ({sealedBytes.Length} bytes starting {Convert.ToHexString(sealedBytes[..Math.Min(MagicSize, sealedBytes.Length)])})"
            : $"bad ERE1 envelope: key id or length invalid ({sealedBytes.Length} bytes)";
        throw new ChunkDecryptionException(aad, ChunkDecryptionFailure.BadEnvelope, why);
    }

    private static byte[] Decrypt(DataKey key, ReadOnlySpan<byte> sealedBytes, string aad)
    {
        int header = HeaderLength(key.Id);
        int plainLength = sealedBytes.Length - header - TagSize;
        var plain = new byte[plainLength];
        var headerBytes = sealedBytes[..header];
        byte[]? rented = null;
        int aadLength = header - NonceSize + Encoding.UTF8.GetByteCount(aad);
        Span<byte> associated = aadLength <= StackAadLimit ? stackalloc byte[aadLength] : (rented = ArrayPool<byte>.Shared.Rent(aadLength)).AsSpan(0, aadLength);
        try
        {
            BuildAssociatedData(headerBytes[..^NonceSize], aad, associated);
            using var gcm = new AesGcm(key.Material, TagSize);
            gcm.Decrypt(headerBytes[^NonceSize..], sealedBytes.Slice(header, plainLength), sealedBytes[^TagSize..], plain, associated);
            return plain;
        }
        catch (AuthenticationTagMismatchException e)
        {
            CryptographicOperations.ZeroMemory(plain);
            throw new ChunkDecryptionException(aad, ChunkDecryptionFailure.TagMismatch,
                $"authentication tag mismatch under key '{key.Id}': the chunk was altered, is another chunk's, or the key is not the one it was sealed with", key.Id, e);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static int WriteHeader(string keyId, Span<byte> destination)
    {
        Magic.CopyTo(destination);
        int idLength = Encoding.UTF8.GetBytes(keyId, destination[(MagicSize + 1)..]);
        destination[MagicSize] = checked((byte)idLength);
        int header = MagicSize + 1 + idLength + NonceSize;
        RandomNumberGenerator.Fill(destination.Slice(header - NonceSize, NonceSize));
        return header;
    }

    /// <summary>AES-GCM over <paramref name="plain"/> into <paramref name="cipher"/> (may be the same span: in place).</summary>
    private static void Encrypt(DataKey key, ReadOnlySpan<byte> header, ReadOnlySpan<byte> plain, Span<byte> cipher, Span<byte> tag, string aad)
    {
        byte[]? rented = null;
        int aadLength = header.Length - NonceSize + Encoding.UTF8.GetByteCount(aad);
        Span<byte> associated = aadLength <= StackAadLimit ? stackalloc byte[aadLength] : (rented = ArrayPool<byte>.Shared.Rent(aadLength)).AsSpan(0, aadLength);
        try
        {
            BuildAssociatedData(header[..^NonceSize], aad, associated);
            using var gcm = new AesGcm(key.Material, TagSize);
            gcm.Encrypt(header[^NonceSize..], plain, cipher, tag, associated);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>GCM associated data: the envelope header before the nonce (magic, key id), then the chunk's identity.</summary>
    private static void BuildAssociatedData(ReadOnlySpan<byte> headerBeforeNonce, string aad, Span<byte> destination)
    {
        headerBeforeNonce.CopyTo(destination);
        Encoding.UTF8.GetBytes(aad, destination[headerBeforeNonce.Length..]);
    }
}
