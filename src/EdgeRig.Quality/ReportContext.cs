using System.Globalization;
using EdgeRig.Core;

namespace EdgeRig.Quality;

/// <summary>Threshold comparisons: a value past its warn threshold warns, past its fail threshold fails.</summary>
internal static class Gate
{
    /// <summary>Higher is worse; "past" is strictly above.</summary>
    public static QaVerdict Above(double value, double warn, double fail) =>
        value > fail ? QaVerdict.Fail : value > warn ? QaVerdict.Warn : QaVerdict.Pass;

    /// <summary>Higher is worse; reaching the threshold counts (run lengths: "this many frames in a row").</summary>
    public static QaVerdict AtLeast(double value, double warn, double fail) =>
        value >= fail ? QaVerdict.Fail : value >= warn ? QaVerdict.Warn : QaVerdict.Pass;

    /// <summary>Lower is worse (rates).</summary>
    public static QaVerdict Below(double value, double warn, double fail) =>
        value < fail ? QaVerdict.Fail : value < warn ? QaVerdict.Warn : QaVerdict.Pass;

    public static QaVerdict Worst(QaVerdict a, QaVerdict b) => a > b ? a : b;
}

/// <summary>Collects one stream's checks and findings while its report is made, and words times as seconds since the session start.</summary>
internal sealed class ReportContext(string stream, QaProfile profile, RigTime sessionStart, RigTime now, bool final)
{
    /// <summary>Findings listed per check; further ones are summed up in one more finding.</summary>
    public const int ListedPerCheck = 10;

    public string Stream { get; } = stream;
    public QaProfile Profile { get; } = profile;
    public RigTime SessionStart { get; } = sessionStart;
    public RigTime Now { get; } = now;
    public bool Final { get; } = final;
    public List<QaCheck> Checks { get; } = [];
    public List<QaFinding> Findings { get; } = [];

    public QaVerdict Verdict => Checks.Count == 0 ? QaVerdict.Pass : Checks.Max(c => c.Verdict);

    public QaVerdict Check(string check, QaVerdict verdict, double? value, string unit, double? warnAt = null, double? failAt = null)
    {
        Checks.Add(new QaCheck(check, verdict, value, unit, warnAt, failAt));
        return verdict;
    }

    public void Finding(string check, QaVerdict verdict, string message, RigTime? from = null, RigTime? to = null) =>
        Findings.Add(new QaFinding(Stream, check, verdict, message, from, to));

    /// <summary>One finding per listed run (worded by <paramref name="describe"/>, judged by <paramref name="judge"/>), and one for those not listed.</summary>
    public void RunFindings(string check, RunSummary runs, Func<Run, QaVerdict> judge, Func<Run, string> describe, string noun)
    {
        foreach (var run in runs.Listed.Take(ListedPerCheck))
        {
            var verdict = judge(run);
            if (verdict > QaVerdict.Pass) Finding(check, verdict, $"{Stream} {describe(run)} at {Span(run.From, run.To)}", run.From, run.To);
        }
        long more = runs.Runs - Math.Min(runs.Listed.Count, ListedPerCheck);
        if (more > 0 && runs.Listed.Count > 0)
        {
            var verdict = runs.Listed.Max(judge);
            Finding(check, verdict, $"{Stream}: {more} more {noun} not listed ({runs.Runs} in all, {S(runs.Seconds)} s in total)");
        }
    }

    public QaSpan ToSpan(Run run) => new(run.From, run.To, Seconds(run.From), Seconds(run.To), run.Count);

    public double Seconds(RigTime t) => (t - SessionStart).TotalSeconds;

    /// <summary>"12.30–14.40 s" since the session start.</summary>
    public string Span(RigTime from, RigTime to) => $"{S(Seconds(from))}–{S(Seconds(to))} s";

    public string At(RigTime t) => $"{S(Seconds(t))} s";

    public static string S(double seconds) => seconds.ToString("0.00", CultureInfo.InvariantCulture);

    public static string Pct(double share) => (share * 100).ToString(share < 0.001 ? "0.####" : "0.##", CultureInfo.InvariantCulture) + " %";

    public static string N(double value, string format = "0.##") => value.ToString(format, CultureInfo.InvariantCulture);
}
