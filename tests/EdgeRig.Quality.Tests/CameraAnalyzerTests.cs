using EdgeRig.Core;
using OpenCvSharp;
using static EdgeRig.Quality.Tests.Synthetic;

namespace EdgeRig.Quality.Tests;

public sealed class CameraAnalyzerTests
{
    private static readonly StreamDescriptor Cam = Camera();
    private const double Period = 1 / 30.0;

    /// <summary>Frames for <paramref name="seconds"/> of a moving scene; <paramref name="fault"/> may replace frame k's bytes.</summary>
    private static List<Sample> Record(double seconds, Func<long, byte[], byte[]>? fault = null, CameraScene? scene = null)
    {
        using var own = scene is null ? new CameraScene() : null;
        var view = scene ?? own!;
        return Periodic(Cam, seconds, (k, t) =>
        {
            var jpeg = view.Jpeg(t);
            return fault is null ? jpeg : fault(k, jpeg);
        }).ToList();
    }

    [Fact]
    public void Report_CleanMovingScene_Passes()
    {
        var report = Run([Cam], Record(5), 5);

        Assert.Equal(QaVerdict.Pass, report.Verdict);
        Assert.Empty(report.Findings);
        var camera = report.Stream("cam0")!.Camera!;
        Assert.Equal(150, camera.Frames);
        Assert.Equal((4, 160, 120), (camera.Scale, camera.AnalysisWidth, camera.AnalysisHeight));
        Assert.Equal(0, camera.FrozenFrames);
        Assert.InRange(camera.MeanLevel, 60, 200);
    }

    [Fact]
    public void Report_RepeatedFrameBytesFor2Seconds_FailsFrozenWithTimes()
    {
        // the camera repeats frame 59 (t = 1.967 s) for 2 s: frames 60..120 carry its bytes
        byte[]? held = null;
        var samples = Record(5, (k, jpeg) =>
        {
            if (k == 59) held = jpeg;
            return k is >= 60 and <= 120 ? held! : jpeg;
        });

        var report = Run([Cam], samples, 5);

        Assert.Equal(QaVerdict.Fail, report.Verdict);
        var frozen = Finding(report, "cam0", "frozen");
        Assert.Equal(QaVerdict.Fail, frozen.Verdict);
        Covers(frozen, 59 * Period, 121 * Period, Period);
        Assert.Contains("62 identical frames", frozen.Message);
        Assert.Equal(62, report.Stream("cam0")!.Camera!.LongestFrozenRun);
    }

    [Fact]
    public void Report_RepeatedPictureReencoded_IsFrozenThoughBytesDiffer()
    {
        using var scene = new CameraScene();
        using var still = scene.Render(1.0);
        byte[] plain = CameraScene.Encode(still), optimized = CameraScene.Encode(still, optimize: true);
        // precondition: different bytes, identical pixels
        Assert.NotEqual(plain, optimized);
        using (var a = Cv2.ImDecode(plain, ImreadModes.Color))
        using (var b = Cv2.ImDecode(optimized, ImreadModes.Color))
        using (var diff = new Mat())
        {
            Cv2.Absdiff(a, b, diff);
            Assert.Equal(0, Cv2.CountNonZero(diff.Reshape(1)));
        }
        var samples = Record(3, (k, jpeg) => k is >= 30 and < 60 ? (k % 2 == 0 ? plain : optimized) : jpeg, scene);

        var report = Run([Cam], samples, 3);

        var frozen = Finding(report, "cam0", "frozen");
        Assert.Equal(QaVerdict.Fail, frozen.Verdict);
        Covers(frozen, 30 * Period, 60 * Period, Period);
    }

    [Fact]
    public void Report_StillSceneWithSensorNoise_IsNotFrozen()
    {
        using var scene = new CameraScene(moving: false, noiseSigma: 2);

        var report = Run([Cam], Record(3, scene: scene), 3);

        Assert.Equal(0, report.Stream("cam0")!.Camera!.FrozenFrames);
        Assert.Equal(QaVerdict.Pass, Check(report, "cam0", "frozen").Verdict);
    }

    [Theory]
    [InlineData(2, QaVerdict.Pass)]
    [InlineData(5, QaVerdict.Warn)]
    [InlineData(20, QaVerdict.Fail)]
    public void Report_BlackFrames_JudgedByRunLength(int frames, QaVerdict expected)
    {
        var black = CameraScene.Black();
        var report = Run([Cam], Record(4, (k, jpeg) => k >= 60 && k < 60 + frames ? black : jpeg), 4);

        Assert.Equal(expected, Check(report, "cam0", "black").Verdict);
        Assert.Equal(expected, report.Verdict);
        if (expected == QaVerdict.Pass) return;
        var finding = Finding(report, "cam0", "black");
        Assert.Equal(expected, finding.Verdict);
        Covers(finding, 60 * Period, (60 + frames) * Period, Period);
    }

    [Fact]
    public void Report_IdenticalBlackFrames_AreBlackNotFrozen()
    {
        var black = CameraScene.Black(noise: 0);
        var report = Run([Cam], Record(4, (k, jpeg) => k is >= 30 and < 60 ? black : jpeg), 4);

        Assert.Equal(QaVerdict.Fail, Finding(report, "cam0", "black").Verdict);
        Assert.DoesNotContain(report.Findings, f => f.Check == "frozen");
    }

    [Fact]
    public void Report_OverexposedThirdOfFrames_Warns()
    {
        using var scene = new CameraScene();
        var samples = Record(3, (k, jpeg) =>
        {
            if (k < 60) return jpeg;
            using var frame = scene.Render(k * Period);
            Cv2.Add(frame, Scalar.All(200), frame);
            return CameraScene.Encode(frame);
        }, scene);

        var report = Run([Cam], samples, 3);

        var finding = Finding(report, "cam0", "overexposed");
        Assert.Equal(QaVerdict.Warn, finding.Verdict);
        Covers(finding, 60 * Period, 90 * Period, Period);
        Assert.Equal(30, report.Stream("cam0")!.Camera!.OverexposedFrames);
    }

    [Fact]
    public void Report_DefocusedCamera_WarnsBlur()
    {
        using var scene = new CameraScene();
        var samples = Record(2, (k, _) =>
        {
            using var frame = scene.Render(k * Period);
            Cv2.GaussianBlur(frame, frame, new Size(0, 0), 12);
            return CameraScene.Encode(frame);
        }, scene);

        var report = Run([Cam], samples, 2);

        Assert.Equal(QaVerdict.Warn, Finding(report, "cam0", "blur").Verdict);
        Assert.True(report.Stream("cam0")!.Camera!.BlurMedian < new QaProfile().BlurWarnVariance);
    }

    [Fact]
    public void Report_UndecodableFrames_CountAsMalformed()
    {
        var garbage = new byte[5000];
        new Random(4).NextBytes(garbage);
        garbage[0] = 0xFF;
        garbage[1] = 0xD8;
        var samples = Record(4, (k, jpeg) => k == 50 ? garbage : k == 51 ? [1, 2, 3] : jpeg);

        var report = Run([Cam], samples, 4);

        var finding = Finding(report, "cam0", "malformed");
        Assert.Equal(QaVerdict.Fail, finding.Verdict); // 2 of 120 frames is past 1 %
        Assert.InRange(SecondsOf(finding.From), 50 * Period - 0.001, 50 * Period + 0.001);
        Assert.Equal(2, report.Stream("cam0")!.Camera!.Undecodable);
    }
}
