using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeRig.Formats;

namespace EdgeRig.Upload;

/// <summary>One object of an uploaded session: its key relative to the session root, size and SHA-256 (lower-case hex).</summary>
public sealed record UploadedObject(string Path, long Size, string Sha256);

/// <summary>
/// <c>PREFIX/RIG/SESSION/manifest.json</c>, the commit marker written after every other object was verified: format
/// <see cref="FormatName"/> (versioned; a reader refuses another major version), the rig and session, every object with
/// size and SHA-256, and for a pulled-session upload the session's own manifest (streams, markers, chunk index), which a
/// downloader saves as the folder's manifest.json so <c>edgerig export --from-folder</c> works on it. Deterministic for the
/// same input (no upload time: S3's LastModified says when), so a re-run recognises it and writes nothing.
/// </summary>
public sealed record UploadManifest(string Format, string Rig, string Session, string Software, IReadOnlyList<UploadedObject> Objects)
{
    public const string FormatName = "edgerig-upload/1";

    /// <summary>The pulled session's manifest, when the upload was a pulled-session folder.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PulledSessionManifest? PulledSession { get; init; }

    /// <summary>The session's QA verdict (pass | warn | fail) when the uploader knew it; the fleet view shows it. Optional, so
    /// readers of <c>edgerig-upload/1</c> that predate it ignore it.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? QaVerdict { get; init; }

    /// <summary>The calibration profile the session is recorded with (NAME@VERSION), when the uploader knew it. Optional.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Calibration { get; init; }

    [JsonIgnore]
    public long TotalBytes => Objects.Sum(o => o.Size);

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public byte[] ToUtf8() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    /// <exception cref="InvalidDataException">not JSON of this format.</exception>
    public static UploadManifest Parse(ReadOnlySpan<byte> utf8, string source)
    {
        UploadManifest? m;
        try { m = JsonSerializer.Deserialize<UploadManifest>(utf8, Json); }
        catch (JsonException e) { throw new InvalidDataException($"{source}: not an upload manifest ({e.Message})"); }
        if (m is null) throw new InvalidDataException($"{source} is empty");
        if (m.Format != FormatName) throw new InvalidDataException($"{source}: format '{m.Format}' is not '{FormatName}'");
        return m;
    }

    public static string Sha256Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
