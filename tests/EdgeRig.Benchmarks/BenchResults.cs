using System.Text.Json;

namespace EdgeRig.Benchmarks;

/// <summary>One measured figure with the baseline measured in the same run.</summary>
public sealed record BenchResult(string Bench, string Metric, double Value, string Unit, double Baseline, double Ratio);

/// <summary>Prints results as a table and appends them as JSON lines to artifacts/bench/results.jsonl.</summary>
public sealed class BenchResults(string path)
{
    private readonly List<BenchResult> _results = [];

    public void Add(string bench, string metric, double value, string unit, double baseline) =>
        _results.Add(new BenchResult(bench, metric, Math.Round(value, 4), unit, Math.Round(baseline, 4), baseline == 0 ? 0 : Math.Round(value / baseline, 4)));

    /// <summary>Prints and appends the results added since the last flush; returns them.</summary>
    public IReadOnlyList<BenchResult> Flush()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var options = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
        File.AppendAllLines(path, _results.Select(r => JsonSerializer.Serialize(r, options)));
        Console.WriteLine($"{"bench",-8} {"metric",-28} {"value",14} {"unit",-8} {"baseline",14} {"ratio",8}");
        foreach (var r in _results)
            Console.WriteLine($"{r.Bench,-8} {r.Metric,-28} {r.Value,14:0.####} {r.Unit,-8} {r.Baseline,14:0.####} {r.Ratio,8:0.####}");
        Console.WriteLine($"(written to {path})");
        var flushed = _results.ToList();
        _results.Clear();
        return flushed;
    }
}
