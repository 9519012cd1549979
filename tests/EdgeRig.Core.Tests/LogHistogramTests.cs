namespace EdgeRig.Core.Tests;

/// <summary>The one log-bucket histogram (QA jitter and blur, recording error bounds).</summary>
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

    [Fact]
    public void Highest_IsTheExactLargestValue_AndAboveMaxLandsInTheLastBin()
    {
        var histogram = new LogHistogram(1, 1000);
        Assert.Equal(0, histogram.Highest);
        foreach (double v in new[] { 5.0, 123_456.0, 7.0 }) histogram.Add(v);
        Assert.Equal(123_456.0, histogram.Highest);
        Assert.Equal(3, histogram.Count);
        Assert.InRange(histogram.Percentile(1)!.Value, 1000 / 1.05, 1000 * 1.05);
    }
}
