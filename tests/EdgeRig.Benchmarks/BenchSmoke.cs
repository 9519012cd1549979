using System.Diagnostics;

namespace EdgeRig.Benchmarks;

/// <summary>
/// `scripts/bench smoke`: every bench at <see cref="BenchSizes.Smoke"/>, each checked only for having produced its rows: at
/// least one, every value and baseline finite, not every value zero. It measures nothing worth keeping (the rows go to
/// artifacts/bench/smoke.jsonl, not results.jsonl); it proves each bench still runs to the end.
/// </summary>
public static class BenchSmoke
{
    /// <summary>A bench that takes longer than this at smoke sizes counts as failed (and is left behind: the process exits after).</summary>
    public static readonly TimeSpan PerBenchLimit = TimeSpan.FromSeconds(120);

    /// <summary>Runs the benches; prints one line per bench and writes `pass NAME` / `fail NAME: reason` lines to <paramref name="reportFile"/>.</summary>
    public static async Task<int> RunAsync(string root, string rigFile, IReadOnlyList<string> benches, string? reportFile)
    {
        string path = Path.Combine(root, "artifacts", "bench", "smoke.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!); // a fresh clone has no artifacts/ yet
        File.Delete(path);
        var runner = new BenchRunner(root, rigFile, BenchSizes.Smoke);
        var lines = new List<string>();
        var total = Stopwatch.StartNew();
        foreach (string bench in benches.Count > 0 ? benches : BenchRunner.Known)
        {
            var results = new BenchResults(path);
            var sw = Stopwatch.StartNew();
            string? failure;
            try
            {
                await Task.Run(() => runner.RunAsync(bench, results)).WaitAsync(PerBenchLimit);
                failure = Check(results.Flush());
            }
            catch (TimeoutException)
            {
                failure = $"still running after {PerBenchLimit.TotalSeconds:0} s";
            }
            catch (Exception e)
            {
                failure = $"threw {e.GetType().Name}: {FirstLine(e.Message)}";
                Console.Error.WriteLine(e);
            }
            string line = failure is null ? $"pass {bench}" : $"fail {bench}: {failure}";
            lines.Add(line);
            Console.WriteLine($"smoke: {line} ({sw.Elapsed.TotalSeconds:0.0} s)");
            if (reportFile is not null) File.WriteAllLines(reportFile, lines); // after each bench: a crash still leaves what ran
        }
        int failed = lines.Count(l => l.StartsWith("fail", StringComparison.Ordinal));
        Console.WriteLine($"smoke: {lines.Count - failed} passed, {failed} failed in {total.Elapsed.TotalSeconds:0} s" +
            (failed > 0 ? $": {string.Join(", ", lines.Where(l => l.StartsWith("fail", StringComparison.Ordinal)).Select(l => l[5..l.IndexOf(':')]))}" : ""));
        return failed == 0 ? 0 : 1;
    }

    /// <summary>Why the rows do not show a bench that ran to the end; null when they do.</summary>
    public static string? Check(IReadOnlyList<BenchResult> rows)
    {
        if (rows.Count == 0) return "produced no rows";
        var bad = rows.Where(r => !double.IsFinite(r.Value) || !double.IsFinite(r.Baseline)).ToList();
        if (bad.Count > 0) return "non-finite values: " + string.Join(", ", bad.Take(5).Select(r => $"{r.Metric}={r.Value} (baseline {r.Baseline})"));
        if (rows.All(r => r.Value == 0)) return $"all {rows.Count} values are zero";
        return null;
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}
