namespace EdgeRig.Upload;

/// <summary>
/// The stable object layout: every object of a session lives under <c>PREFIX/RIG/SESSION/</c> —
/// <c>chunks/STREAM/INDEX.chunk</c> (the pulled-folder layout), <c>SESSION.mcap</c>, <c>dataset/…</c>, and
/// <c>manifest.json</c>, written last as the commit marker. Components are checked so no key escapes its session.
/// </summary>
public sealed class ObjectLayout(string prefix, string rig, string session)
{
    public const string ManifestName = "manifest.json";

    /// <summary>PREFIX/RIG/SESSION/ (PREFIX omitted when empty).</summary>
    public string SessionRoot { get; } =
        (prefix.Trim('/').Length > 0 ? prefix.Trim('/') + "/" : "") + CheckComponent(rig, "rig name") + "/" + CheckComponent(session, "session id") + "/";

    public string ManifestKey => SessionRoot + ManifestName;

    /// <summary>The key of an object given its path relative to the session root (e.g. chunks/cam0/000001.chunk).</summary>
    public string Key(string relative) => SessionRoot + CheckPath(relative, "object path");

    public static string McapName(string session) => session + ".mcap";

    /// <summary>A single key component: letters, digits, '-', '_', '.', not "." or "..".</summary>
    public static string CheckComponent(string value, string field)
    {
        if (string.IsNullOrEmpty(value) || value is "." or ".." || value.Length > 128
            || !value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            throw new UploadSettingsException(field, $"'{value}' is not a key component (1–128 of A-Z a-z 0-9 - _ .)");
        return value;
    }

    /// <summary>A relative path of components joined by '/'.</summary>
    public static string CheckPath(string value, string field)
    {
        foreach (string part in value.Split('/')) CheckComponent(part, field);
        return value;
    }
}
