using System.Text;

namespace EdgeRig.Core;

/// <summary>
/// Untrusted text (labels, names, notes, tags, ids, error details) made safe to print on a terminal: C0 and C1 control
/// characters and DEL become \xHH, bidirectional overrides, embeddings, isolates and marks become \uHHHH, so no
/// escape sequence reaches the terminal and no text can be made to read in a different order than it is stored.
/// </summary>
public static class TerminalText
{
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        if (!text.Any(NeedsEscape)) return text;
        var b = new StringBuilder(text.Length + 16);
        foreach (char c in text)
        {
            if (!NeedsEscape(c)) b.Append(c);
            else if (c <= '\u00FF') b.Append("\\x").Append(((int)c).ToString("x2"));
            else b.Append("\\u").Append(((int)c).ToString("x4"));
        }
        return b.ToString();
    }

    /// <summary>C0 controls (newline and tab too: one field must stay on one line), DEL, C1 controls, and the bidi formatting characters.</summary>
    public static bool NeedsEscape(char c) =>
        c < '\u0020' || c is >= '\u007F' and <= '\u009F'
        || c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069' or '\u200E' or '\u200F' or '\u061C';
}
