using System.Security.Cryptography;

namespace EdgeRig.Privacy;

/// <summary>
/// A named 256-bit AES-GCM key: a key-encryption key from a <see cref="KeyRing"/>, or a per-session data key kept wrapped
/// (<see cref="Wrap"/>). Its bytes never leave the library: not in ToString, logs or exception messages. Disposing zeroes them.
/// </summary>
public sealed class DataKey : IDisposable
{
    /// <summary>Key length in bytes (AES-256).</summary>
    public const int Size = 32;

    /// <summary>Longest key id; ids are 1..<see cref="MaxIdLength"/> of A-Z a-z 0-9 . _ : - (they go into every chunk's envelope).</summary>
    public const int MaxIdLength = 128;

    private readonly byte[] _key = GC.AllocateArray<byte>(Size, pinned: true); // pinned: the GC never leaves copies behind
    private volatile bool _disposed;

    internal DataKey(string id, ReadOnlySpan<byte> key, DateTimeOffset? created)
    {
        ValidateId(id);
        if (key.Length != Size) throw new ArgumentException($"key '{id}' has {key.Length} bytes, expected {Size}", nameof(key));
        Id = id;
        Created = created;
        key.CopyTo(_key);
    }

    /// <summary>The key id, e.g. "k-20261127-3f2a", written into each sealed chunk so the right key can be found to open it.</summary>
    public string Id { get; }

    /// <summary>When the key was made; null for a key unwrapped from a <see cref="WrappedKey"/>.</summary>
    public DateTimeOffset? Created { get; }

    internal ReadOnlySpan<byte> Material
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _key;
        }
    }

    /// <summary>A fresh random key, e.g. a session's data key ("s-" + session id), to be stored only as <see cref="Wrap">wrapped</see>.</summary>
    public static DataKey Generate(string id, DateTimeOffset? created = null)
    {
        Span<byte> key = stackalloc byte[Size];
        RandomNumberGenerator.Fill(key);
        try { return new DataKey(id, key, created); }
        finally { CryptographicOperations.ZeroMemory(key); }
    }

    /// <summary>This key sealed under <paramref name="kek"/> (AES-256-GCM, bound to this key's id): safe to store beside the data.</summary>
    public WrappedKey Wrap(DataKey kek)
    {
        ArgumentNullException.ThrowIfNull(kek);
        return new WrappedKey(Id, ChunkCipher.Seal(kek, Material, WrappedKey.AadFor(Id)));
    }

    public override string ToString() => $"DataKey {Id}";

    public void Dispose()
    {
        _disposed = true;
        CryptographicOperations.ZeroMemory(_key);
    }

    internal static bool IsValidId(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= MaxIdLength && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '-');

    internal static void ValidateId(string id)
    {
        if (!IsValidId(id)) throw new ArgumentException($"'{id}' is not a key id (1..{MaxIdLength} of A-Z a-z 0-9 . _ : -)", nameof(id));
    }
}
