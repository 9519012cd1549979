using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace EdgeRig.Privacy;

/// <summary>
/// The rig's keys for data at rest: the current key seals new data, older keys stay to open old data. Loaded from a key file
/// (<see cref="KeyFile"/> format, mode 0600, owned by the service user) or a systemd credential. Thread-safe; one process
/// writes a key file. Disposing zeroes every key.
/// </summary>
public sealed class KeyRing : IDisposable
{
    /// <summary>The credential name the rig file's empty "privacy.keyFile" stands for.</summary>
    public const string DefaultCredentialName = "edgerig-data-key";

    private readonly Lock _writeLock = new();
    private readonly string? _file;
    private readonly TimeProvider _time;
    private volatile Keys _keys;

    private KeyRing(string source, string? file, List<DataKey> keys, TimeProvider time)
    {
        Source = source;
        _file = file;
        _time = time;
        _keys = new Keys(keys);
    }

    /// <summary>Where the keys come from, for messages: "key file /path" or "systemd credential 'name'".</summary>
    public string Source { get; }

    /// <summary>The key for new data (new sessions).</summary>
    public DataKey Current => _keys.List[^1];

    /// <summary>Every key id, oldest first.</summary>
    public IReadOnlyList<string> KeyIds => _keys.List.Select(k => k.Id).ToArray();

    /// <summary>Opens a key file, or with <paramref name="createIfMissing"/> creates it (0600, atomically) holding one new key.</summary>
    /// <exception cref="FileNotFoundException">no such file and not <paramref name="createIfMissing"/>.</exception>
    /// <exception cref="KeyFileException">mode not 0600, wrong owner, or not a key file; the message names the file.</exception>
    public static KeyRing Open(string keyFile, bool createIfMissing, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyFile);
        time ??= TimeProvider.System;
        string path = Path.GetFullPath(keyFile);
        if (!File.Exists(path))
        {
            if (!createIfMissing) throw new FileNotFoundException($"key file {path} not found", path);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            using var first = NewKey(time, new HashSet<string>());
            try { KeyFile.Write(path, [first], overwrite: false); }
            catch (IOException) when (File.Exists(path)) { } // created meanwhile by another process: use theirs
        }
        KeyFile.CheckAccess(path, KeyFileNative.EffectiveUid());
        return new KeyRing($"key file {path}", path, KeyFile.Read(path), time);
    }

    /// <summary>
    /// Keys from the systemd credential <paramref name="credentialName"/> ($CREDENTIALS_DIRECTORY/name, set up by LoadCredential= or
    /// LoadCredentialEncrypted=): key-file lines, or one base64 key whose id is derived from it. Read-only: it cannot rotate.
    /// systemd makes the credential readable by the service alone, so its mode is not checked.
    /// </summary>
    /// <exception cref="InvalidOperationException">CREDENTIALS_DIRECTORY is not set.</exception>
    /// <exception cref="FileNotFoundException">the credential is not there.</exception>
    public static KeyRing FromSystemdCredential(string credentialName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(credentialName);
        if (credentialName.Contains('/') || credentialName is "." or "..")
            throw new ArgumentException($"'{credentialName}' is not a credential name", nameof(credentialName));
        string? directory = Environment.GetEnvironmentVariable("CREDENTIALS_DIRECTORY");
        if (string.IsNullOrEmpty(directory))
            throw new InvalidOperationException($"systemd credential '{credentialName}': CREDENTIALS_DIRECTORY is not set (run as a unit with LoadCredential={credentialName}:... or LoadCredentialEncrypted=)");
        string path = Path.Combine(directory, credentialName);
        if (!File.Exists(path))
            throw new FileNotFoundException($"systemd credential '{credentialName}' not found in CREDENTIALS_DIRECTORY ({directory})", path);
        string source = $"systemd credential '{credentialName}'";
        byte[] content = File.ReadAllBytes(path);
        try { return new KeyRing(source, file: null, ParseCredential(content, source, path), TimeProvider.System); }
        finally { CryptographicOperations.ZeroMemory(content); }
    }

    /// <summary>The key with this id (old data keeps the key it was sealed with).</summary>
    /// <exception cref="KeyNotFoundException">no such key; the message names the id.</exception>
    public DataKey Get(string id) => TryGet(id, out var key) ? key : throw new KeyNotFoundException($"key '{id}' is not in the key ring ({Source})");

    public bool TryGet(string id, [MaybeNullWhen(false)] out DataKey key) => _keys.ById.TryGetValue(id, out key);

    /// <summary>Makes a new current key and writes it to the key file (atomically; old keys kept for reading).</summary>
    /// <exception cref="InvalidOperationException">the keys come from a systemd credential, which is read-only.</exception>
    public DataKey Rotate()
    {
        if (_file is null) throw new InvalidOperationException($"keys from {Source} are read-only: rotate by provisioning a credential that holds the old keys and a new one");
        lock (_writeLock)
        {
            KeyFile.CheckAccess(_file, KeyFileNative.EffectiveUid());
            var keys = new List<DataKey>(_keys.List);
            foreach (var onDisk in KeyFile.Read(_file)) // keep any key written since we loaded
                if (keys.Any(k => k.Id == onDisk.Id)) onDisk.Dispose();
                else keys.Add(onDisk);
            var key = NewKey(_time, keys.Select(k => k.Id).ToHashSet());
            keys.Add(key);
            try { KeyFile.Write(_file, keys, overwrite: true); }
            catch
            {
                key.Dispose();
                throw;
            }
            _keys = new Keys(keys);
            return key;
        }
    }

    /// <summary>A session's data key from its wrapped form.</summary>
    /// <exception cref="ChunkDecryptionException">the wrapping key is unknown, or the wrapped key was altered or relabelled.</exception>
    public DataKey Unwrap(WrappedKey wrapped)
    {
        ArgumentNullException.ThrowIfNull(wrapped);
        byte[] key = ChunkCipher.Open(this, wrapped.SealedSpan, WrappedKey.AadFor(wrapped.KeyId));
        try { return new DataKey(wrapped.KeyId, key, created: null); }
        finally { CryptographicOperations.ZeroMemory(key); }
    }

    /// <summary>The same data key wrapped under the <see cref="Current"/> key, after a rotation (the data needs no re-encryption).</summary>
    public WrappedKey Rewrap(WrappedKey wrapped)
    {
        using var key = Unwrap(wrapped);
        return key.Wrap(Current);
    }

    public override string ToString() => $"KeyRing ({Source}): {_keys.List.Count} keys, current {Current.Id}";

    public void Dispose()
    {
        foreach (var key in _keys.List) key.Dispose();
    }

    private static DataKey NewKey(TimeProvider time, IReadOnlySet<string> taken)
    {
        var now = time.GetUtcNow();
        string id;
        do id = $"k-{now:yyyyMMdd}-{RandomNumberGenerator.GetHexString(4, lowercase: true)}";
        while (taken.Contains(id));
        return DataKey.Generate(id, now);
    }

    private static List<DataKey> ParseCredential(byte[] content, string source, string path)
    {
        var text = content.AsSpan().Trim(" \t\r\n"u8);
        if (text.StartsWith("{"u8)) return KeyFile.Parse(content, source, path);
        var notAKey = new KeyFileException(path, $"{source} is neither key-file lines nor one base64 {DataKey.Size}-byte key");
        if (text.Length > 64) throw notAKey;
        Span<byte> key = stackalloc byte[64];
        try
        {
            if (System.Buffers.Text.Base64.DecodeFromUtf8(text, key, out _, out int length) != System.Buffers.OperationStatus.Done || length != DataKey.Size)
                throw notAKey;
            return [new DataKey(DerivedId(key[..DataKey.Size]), key[..DataKey.Size], created: null)];
        }
        finally { CryptographicOperations.ZeroMemory(key); }
    }

    /// <summary>"c-" and 8 hex digits of a hash of a bare key: the same key always gets the same id, a replaced key a new one.</summary>
    private static string DerivedId(ReadOnlySpan<byte> key)
    {
        Span<byte> input = stackalloc byte[64];
        int prefix = Encoding.ASCII.GetBytes("edgerig key id\n", input);
        key.CopyTo(input[prefix..]);
        try { return "c-" + Convert.ToHexStringLower(SHA256.HashData(input[..(prefix + key.Length)])[..4]); }
        finally { CryptographicOperations.ZeroMemory(input); }
    }

    private sealed class Keys
    {
        public Keys(List<DataKey> list)
        {
            List = list;
            ById = list.ToDictionary(k => k.Id, StringComparer.Ordinal);
        }

        public IReadOnlyList<DataKey> List { get; }
        public IReadOnlyDictionary<string, DataKey> ById { get; }
    }
}
