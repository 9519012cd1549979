using System.Buffers.Binary;
using EdgeRig.Core;
using static EdgeRig.Quality.Tests.Synthetic;

namespace EdgeRig.Quality.Tests;

public sealed class AudioAnalyzerTests
{
    private static readonly StreamDescriptor Mic = Microphone();
    private const double Block = 0.01;

    private static List<Sample> Record(double seconds, Func<double, double> amplitude, double noise = 150)
    {
        var rng = new Random(5);
        return Periodic(Mic, seconds, (k, t) => AudioBlock(k * 480, amplitude: amplitude(t), noise: noise, rng: noise > 0 ? rng : null)).ToList();
    }

    [Fact]
    public void Report_QuietToneWithNoise_Passes()
    {
        var report = Run([Mic], Record(10, _ => 900), 10);

        Assert.Equal(QaVerdict.Pass, report.Verdict);
        Assert.Empty(report.Findings);
        Assert.Equal(1000, report.Stream("mic0")!.Audio!.Blocks);
    }

    [Fact]
    public void Report_PureSine_LevelIsAmplitudeOverRootTwoInDbfs()
    {
        var report = Run([Mic], Record(2, _ => 1000, noise: 0), 2);

        double expected = 20 * Math.Log10(1000 / Math.Sqrt(2) / 32768);
        var audio = report.Stream("mic0")!.Audio!;
        Assert.InRange(audio.MeanDbfs, expected - 0.05, expected + 0.05);
        Assert.InRange(audio.MinBlockDbfs, expected - 0.1, audio.MaxBlockDbfs);
    }

    [Fact]
    public void Report_ClippedHalfSecond_FailsWithTimes()
    {
        var report = Run([Mic], Record(10, t => t is >= 3.0 and < 3.5 ? 60000 : 900), 10);

        var finding = Finding(report, "mic0", "clipping");
        Assert.Equal(QaVerdict.Fail, finding.Verdict);
        Covers(finding, 3.0, 3.5, 2 * Block);
        var audio = report.Stream("mic0")!.Audio!;
        Assert.True(audio.ClippedShare > new QaProfile().ClipFailRatio);
    }

    [Fact]
    public void Report_OneClippedSampleIn10Seconds_Passes()
    {
        var samples = Record(10, _ => 900);
        var block = samples[400].Payload.ToArray();
        BinaryPrimitives.WriteInt16LittleEndian(block, short.MinValue);
        samples[400] = samples[400] with { Payload = block };

        var report = Run([Mic], samples, 10);

        Assert.Equal(1, report.Stream("mic0")!.Audio!.ClippedSamples);
        Assert.Equal(QaVerdict.Pass, Check(report, "mic0", "clipping").Verdict);
    }

    [Fact]
    public void Report_ThreeSecondsOfDigitalSilence_WarnsWithTimes()
    {
        var report = Run([Mic], Record(10, t => t is >= 4.0 and < 7.0 ? 0 : 900, noise: 0), 10);

        var finding = Finding(report, "mic0", "silence");
        Assert.Equal(QaVerdict.Warn, finding.Verdict);
        Covers(finding, 4.0, 7.0, 2 * Block);
        Assert.Equal(QaVerdict.Warn, report.Verdict);
    }

    [Fact]
    public void Report_OneSecondPause_IsNotASilentStretch()
    {
        var report = Run([Mic], Record(10, t => t is >= 4.0 and < 5.0 ? 0 : 900, noise: 0), 10);

        Assert.DoesNotContain(report.Findings, f => f.Check == "silence");
        Assert.Equal(QaVerdict.Pass, report.Verdict);
    }

    [Fact]
    public void Report_OddLengthBlock_IsMalformed()
    {
        var samples = Record(2, _ => 900);
        samples[10] = samples[10] with { Payload = new byte[1001] };

        var report = Run([Mic], samples, 2);

        Assert.NotEqual(QaVerdict.Pass, Finding(report, "mic0", "malformed").Verdict);
    }
}
