using System.Text.Json;
using EdgeRig.Core;
using static EdgeRig.Quality.Tests.Synthetic;

namespace EdgeRig.Quality.Tests;

public sealed class QaReportJsonTests
{
    /// <summary>A report with something in every part: every modality, findings with times, sync, calibration, custom thresholds.</summary>
    private static QaReport Faulty()
    {
        var rng = new Random(8);
        var cam = Camera(width: 320, height: 240);
        var mic = Microphone();
        var imu = Imu();
        var lidar = Lidar();
        using var scene = new CameraScene(320, 240);
        byte[]? held = null;
        var samples = Periodic(cam, 3, (k, t) => k < 40 ? held = scene.Jpeg(t) : held)
            .Concat(Periodic(mic, 3, (k, t) => AudioBlock(k * 480, amplitude: t > 2 ? 50000 : 900, rng: rng)))
            .Concat(Periodic(imu, 3, (k, t) => t is > 1 and < 1.5 ? null : ImuSample(rng, t)))
            .Concat(Periodic(lidar, 3, (k, t) => LidarScan(rng, zeroShare: t > 2 ? 1 : 0)))
            .OrderBy(s => s.Rig.Time);
        var sync = new Dictionary<string, BoundStats> { ["cam0"] = new(90, Duration.FromMicroseconds(123), Duration.FromMilliseconds(7.5), Duration.FromMilliseconds(9)) };
        var counts = new Dictionary<string, StreamCounts> { ["mic0"] = new(310, 300, 10, 0) };
        return Run([cam, mic, imu, lidar], samples, 3.0000000017, new QaProfile { SyncWarnMs = 6 }, final: true, counts, sync,
            new CalibrationInfo("lab@2", new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero)));
    }

    [Fact]
    public void FromJson_OfToJson_ReadsBackTheSameReport()
    {
        var report = Faulty();
        Assert.Equal(QaVerdict.Fail, report.Verdict);
        Assert.True(report.Findings.Count >= 5);

        string json = report.ToJson();
        var back = QaReport.FromJson(json);

        Assert.Equal(json, back.ToJson());
        Assert.Equal(report.GeneratedAt, back.GeneratedAt); // to the nanosecond
        Assert.Equal(report.Findings, back.Findings);
        Assert.Equal(report.Thresholds, back.Thresholds);
        Assert.Equal(report.Streams.Select(s => s.Verdict), back.Streams.Select(s => s.Verdict));
        Assert.Equal(report.Stream("cam0")!.Camera, back.Stream("cam0")!.Camera);
        Assert.Equal(report.Stream("lidar0")!.Lidar, back.Stream("lidar0")!.Lidar);
        Assert.Equal(report.Stream("imu0")!.Gaps.Listed, back.Stream("imu0")!.Gaps.Listed);
    }

    [Fact]
    public void ToJson_WritesReadableNamesAndTimes()
    {
        var report = Faulty();

        using var doc = JsonDocument.Parse(report.ToJson());

        var root = doc.RootElement;
        Assert.Equal("fail", root.GetProperty("verdict").GetString());
        Assert.Equal("2026-11-27T12:00:03.000000002Z", root.GetProperty("generatedAt").GetString());
        var cam = root.GetProperty("streams")[0];
        Assert.Equal(("cam0", "camera"), (cam.GetProperty("stream").GetString(), cam.GetProperty("modality").GetString()));
        Assert.False(cam.TryGetProperty("audio", out _));
    }

    [Theory]
    [InlineData("null")]
    [InlineData("{\"verdict\": \"fail\", \"generatedAt\": \"yesterday\"}")]
    public void FromJson_NotAReport_Throws(string json) =>
        Assert.ThrowsAny<JsonException>(() => QaReport.FromJson(json));
}
