using EdgeRig.Core;
using static EdgeRig.Quality.Tests.Synthetic;

namespace EdgeRig.Quality.Tests;

public sealed class RunLogTests
{
    [Fact]
    public void Summary_ManyRuns_KeepsTheLongestInTimeOrder_AndCountsAll()
    {
        var log = new RunLog(capacity: 3);
        double[] lengths = [0.1, 0.5, 0.2, 0.9, 0.3, 0.4];
        for (int i = 0; i < lengths.Length; i++)
        {
            log.Extend(At(i * 10), At(i * 10 + lengths[i]));
            log.Close();
        }

        var summary = log.Summary();

        Assert.Equal(6, summary.Runs);
        Assert.Equal(lengths.Sum(), summary.Seconds, 6);
        Assert.Equal([10.0, 30.0, 50.0], summary.Listed.Select(r => SecondsOf(r.From)));
        Assert.Equal(0.9, summary.Longest!.Value.Seconds, 6);
    }

    [Fact]
    public void Summary_OpenRun_CountsAsIfEndedNow()
    {
        var log = new RunLog(capacity: 5, minCount: 3);
        log.Extend(At(1), At(1.1));
        log.Extend(At(1.1), At(1.2));
        Assert.Equal(0, log.Summary().Runs); // two samples: under the minimum
        log.Extend(At(1.2), At(1.3));

        var summary = log.Summary();

        Assert.Equal((1L, 3L), (summary.Runs, summary.Count));
        Assert.Equal(0.3, summary.Seconds, 6);
    }

    [Fact]
    public void Extend_AfterMoreThanMergeWithin_StartsANewRun()
    {
        var log = new RunLog(capacity: 5, mergeWithin: Duration.FromMilliseconds(250));
        log.Extend(At(1.0), At(1.01));
        log.Extend(At(1.2), At(1.21)); // 190 ms later: same run
        log.Extend(At(2.0), At(2.01)); // 790 ms later: a new one

        var summary = log.Summary();

        Assert.Equal(2, summary.Runs);
        Assert.Equal(0.21, summary.Listed[0].Seconds, 6);
    }
}

public sealed class LogHistogramTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(10_000)]
    public void Percentile_IsWithinHalfABinOfTheExactOne(int count)
    {
        var rng = new Random(count);
        var values = Enumerable.Range(0, count).Select(_ => Math.Exp(rng.NextDouble() * 12)).ToList();
        var histogram = new LogHistogram(1, 1e6);
        values.ForEach(histogram.Add);
        values.Sort();

        foreach (double p in new[] { 0.5, 0.99 })
        {
            double exact = values[Math.Max(0, (int)Math.Ceiling(p * count) - 1)];
            Assert.InRange(histogram.Percentile(p)!.Value, exact / 1.05, exact * 1.05);
        }
    }

    [Fact]
    public void Percentile_Empty_IsNull_AndTinyValuesAreZero()
    {
        var histogram = new LogHistogram(100, 1e9);
        Assert.Null(histogram.Percentile(0.5));
        histogram.Add(3);
        Assert.Equal(0, histogram.Percentile(0.5));
    }
}
