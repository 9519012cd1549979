using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace EdgeRig.Privacy;

/// <summary>
/// The key file: JSON lines <c>{"id":"k-20261127-3f2a","created":"2026-11-27T10:00:00+00:00","key":"&lt;base64 of 32 bytes&gt;"}</c>,
/// oldest first, the last line the current key. Mode 0600, owned by the service user; replaced atomically (temp file, fsync, rename).
/// Buffers that held key text are zeroed after use.
/// </summary>
internal static class KeyFile
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const int MaxKeyText = 256;

    /// <summary>Refuses a file that is not a regular file, is readable or writable by group or others, or is not owned by <paramref name="expectedOwner"/>.</summary>
    public static void CheckAccess(string path, uint expectedOwner)
    {
        var (owner, mode) = KeyFileNative.Stat(path);
        if ((mode & 0xF000) != 0x8000) throw new KeyFileException(path, $"key file {path} is not a regular file");
        uint permissions = mode & 0x1FF;
        if ((permissions & 0x3F) != 0)
            throw new KeyFileException(path, $"key file {path} has mode {Octal(permissions)}: a key file must be readable by its owner only (0600): chmod 600 {path}");
        if (owner != expectedOwner)
            throw new KeyFileException(path, $"key file {path} is owned by uid {owner}, not by the service user (uid {expectedOwner}): chown it to the service user");
    }

    public static string Octal(uint permissions) => "0" + Convert.ToString(permissions, 8).PadLeft(3, '0');

    public static List<DataKey> Read(string path)
    {
        byte[] content = File.ReadAllBytes(path);
        try { return Parse(content, $"key file {path}", path); }
        finally { CryptographicOperations.ZeroMemory(content); }
    }

    /// <summary>Parses key-file lines; <paramref name="source"/> names the file in errors.</summary>
    public static List<DataKey> Parse(ReadOnlySpan<byte> content, string source, string path)
    {
        var keys = new List<DataKey>();
        try
        {
            int lineNumber = 0;
            while (!content.IsEmpty)
            {
                int end = content.IndexOf((byte)'\n');
                var line = (end < 0 ? content : content[..end]).Trim(" \t\r"u8);
                content = end < 0 ? default : content[(end + 1)..];
                lineNumber++;
                if (line.IsEmpty) continue;
                var key = ParseLine(line, source, path, lineNumber);
                if (keys.Any(k => k.Id == key.Id))
                {
                    key.Dispose();
                    throw new KeyFileException(path, $"{source} line {lineNumber}: key id '{key.Id}' appears twice");
                }
                keys.Add(key);
            }
            if (keys.Count == 0) throw new KeyFileException(path, $"{source} holds no key");
            return keys;
        }
        catch
        {
            foreach (var key in keys) key.Dispose();
            throw;
        }
    }

    /// <summary>Writes the keys to a temp file (0600) beside <paramref name="path"/>, fsyncs it and renames it over (or, without overwrite, to) the path.</summary>
    /// <exception cref="IOException">without overwrite: the file exists (someone else created it first).</exception>
    public static void Write(string path, IReadOnlyList<DataKey> keys, bool overwrite)
    {
        string directory = Path.GetDirectoryName(path) ?? throw new ArgumentException($"{path} has no directory", nameof(path));
        var buffer = new ArrayBufferWriter<byte>(MaxKeyText * (keys.Count + 1)); // sized up front: growing would leave unzeroed copies
        string temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
            foreach (var key in keys)
            {
                using (var writer = new Utf8JsonWriter(buffer, options))
                {
                    writer.WriteStartObject();
                    writer.WriteString("id", key.Id);
                    if (key.Created is { } created) writer.WriteString("created", created);
                    writer.WriteBase64String("key", key.Material);
                    writer.WriteEndObject();
                }
                buffer.Write("\n"u8);
            }
            using (var file = new FileStream(temp, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = OwnerReadWrite }))
            {
                file.Write(buffer.WrittenSpan);
                file.Flush(flushToDisk: true);
            }
            File.SetUnixFileMode(temp, OwnerReadWrite); // exactly 0600, whatever the umask
            File.Move(temp, path, overwrite);
            KeyFileNative.SyncDirectory(directory);
        }
        finally
        {
            buffer.Clear(); // zeroes what was written
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    private static DataKey ParseLine(ReadOnlySpan<byte> line, string source, string path, int lineNumber)
    {
        string? id = null;
        DateTimeOffset? created = null;
        Span<byte> text = stackalloc byte[MaxKeyText];
        Span<byte> key = stackalloc byte[MaxKeyText];
        int keyLength = -1;
        try
        {
            var reader = new Utf8JsonReader(line);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw Bad("not a JSON object");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("id"u8)) { reader.Read(); id = reader.GetString(); }
                else if (reader.ValueTextEquals("created"u8)) { reader.Read(); created = reader.GetDateTimeOffset(); }
                else if (reader.ValueTextEquals("key"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String || reader.ValueSpan.Length > MaxKeyText) throw Bad("\"key\" is not a base64 string");
                    int n = reader.CopyString(text);
                    if (Base64.DecodeFromUtf8(text[..n], key, out _, out keyLength) != OperationStatus.Done) throw Bad("\"key\" is not base64");
                }
                else { reader.Read(); reader.Skip(); }
            }
            if (!DataKey.IsValidId(id)) throw Bad($"\"id\" is missing or not a key id (1..{DataKey.MaxIdLength} of A-Z a-z 0-9 . _ : -)");
            if (keyLength != DataKey.Size) throw Bad($"key '{id}' is not {DataKey.Size} bytes");
            return new DataKey(id!, key[..DataKey.Size], created);
        }
        // not chained: a JSON error message can quote the line, and the line holds a key
        catch (JsonException) { throw Bad("not valid JSON"); }
        catch (InvalidOperationException) { throw Bad("a field has the wrong type"); }
        catch (FormatException) { throw Bad("\"created\" is not a date"); }
        finally
        {
            CryptographicOperations.ZeroMemory(text);
            CryptographicOperations.ZeroMemory(key);
        }

        KeyFileException Bad(string why) => new(path, $"{source} line {lineNumber}: {why}");
    }
}
