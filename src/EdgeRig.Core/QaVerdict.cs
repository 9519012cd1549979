namespace EdgeRig.Core;

/// <summary>How a check, a stream or a session fares against its QA gates; ordered so the worst is the maximum.</summary>
public enum QaVerdict { Pass, Warn, Fail }

/// <summary>The verdict's one wire and file spelling ("pass", "warn", "fail"), used by the catalogue, reports and manifests.</summary>
public static class QaVerdicts
{
    public static string Name(this QaVerdict verdict) => verdict switch
    {
        QaVerdict.Pass => "pass",
        QaVerdict.Warn => "warn",
        QaVerdict.Fail => "fail",
        _ => throw new ArgumentOutOfRangeException(nameof(verdict), verdict, "not a QA verdict"),
    };

    /// <summary>A stored or received spelling back to the verdict; null for empty or unknown text (no report yet).</summary>
    public static QaVerdict? Parse(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "pass" => QaVerdict.Pass,
        "warn" => QaVerdict.Warn,
        "fail" => QaVerdict.Fail,
        _ => null,
    };
}
