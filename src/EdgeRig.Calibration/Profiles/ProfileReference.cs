using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace EdgeRig.Calibration.Profiles;

/// <summary>
/// "NAME" or "NAME@VERSION": how sessions, requests and the command line name a saved calibration profile (no version: its
/// latest). Parsed here only, so every caller accepts and refuses the same text with the same reason.
/// </summary>
public readonly record struct ProfileReference(string Name, int? Version)
{
    /// <summary>Longest profile name (the profile store's limit).</summary>
    public const int MaxNameLength = 64;

    /// <exception cref="FormatException">the text is not NAME or NAME@VERSION; the message says what is wrong.</exception>
    public static ProfileReference Parse(string text) =>
        TryParse(text, out var reference, out string? error) ? reference : throw new FormatException($"calibration {error}");

    /// <summary>
    /// Parses NAME or NAME@VERSION; on failure <paramref name="error"/> quotes the text and says what is wrong with it
    /// ("'lab1@x': the version after '@' must be a positive number"), for the caller to prefix with the field it came from.
    /// </summary>
    public static bool TryParse(string? text, out ProfileReference reference, [NotNullWhen(false)] out string? error)
    {
        reference = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = $"'{text}': must not be empty; give NAME or NAME@VERSION";
            return false;
        }
        int at = text.LastIndexOf('@');
        string name = at >= 0 ? text[..at] : text;
        if (NameProblem(name) is { } bad)
        {
            error = $"'{text}': {bad}";
            return false;
        }
        int? version = null;
        if (at >= 0)
        {
            if (!int.TryParse(text.AsSpan(at + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int v) || v <= 0)
            {
                error = $"'{text}': the version after '@' must be a positive number";
                return false;
            }
            version = v;
        }
        reference = new ProfileReference(name, version);
        error = null;
        return true;
    }

    /// <summary>What is wrong with a profile name, or null: 1-64 letters, digits, '-', '_' or '.'.</summary>
    public static string? NameProblem(string name) =>
        name.Length == 0 ? "the profile name before '@' is empty"
        : name.Length > MaxNameLength || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            ? $"profile name '{name}' must be 1-{MaxNameLength} letters, digits, '-', '_' or '.'"
            : null;

    public override string ToString() => Version is { } v ? $"{Name}@{v}" : Name;
}
