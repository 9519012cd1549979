using EdgeRig.Calibration.Stimulus;

namespace EdgeRig.Calibration.Tests.Stimulus;

public sealed class EstimatorPartsTests
{
    [Theory]
    [InlineData(-15, 0)]     // exposure ends before the flash
    [InlineData(-5, 0.5)]    // second half of the exposure lit
    [InlineData(0, 1)]
    [InlineData(10, 1)]
    [InlineData(14, 0.6)]    // the flash ends 6 ms into the exposure
    [InlineData(20, 0)]
    public void Overlap_ExposureAgainstFlash_IsTheLitFraction(double exposureStartMs, double expected)
    {
        var fit = new CameraFlashFit(exposureNs: 10e6, flashNs: 20e6);

        Assert.Equal(expected, fit.Overlap(exposureStartMs * 1e6), precision: 9);
    }

    [Fact]
    public void DeepestRegion_ConsistentBracketsAndOneOutlier_IsTheirIntersection()
    {
        var brackets = new[] { new OffsetBracket(0, 10), new OffsetBracket(4, 14), new OffsetBracket(-3, 7), new OffsetBracket(40, 50) };

        var (low, high, depth) = BracketIntersection.DeepestRegion(brackets);

        Assert.Equal((4.0, 7.0, 3), (low, high, depth));
    }

    [Fact]
    public void ConstantFractionOnset_StepBetweenSamples_LandsOnTheirMidpoint()
    {
        var series = Enumerable.Range(0, 400).Select(i => new TimedValue(i * 1000.0, i >= 300 ? 100 : (i % 2) * 0.5)).ToList();

        var (onset, rejected) = ConstantFractionOnset.Find(series, referenceNs: 290_000, samplePeriodNs: 1000,
            new StimulusOptions { MinOffset = Core.Duration.FromMicroseconds(-5), MaxOffset = Core.Duration.FromMicroseconds(50), Baseline = Core.Duration.FromMicroseconds(100) });

        Assert.Null(rejected);
        Assert.InRange(onset!.Value, 299_495, 299_505); // within 0.5 % of a sample
    }
}
