using System.Text.Json;

namespace EdgeRig.Privacy.Tests;

public sealed class RedactionReportTests
{
    private static RedactedFrame Frame(int faces, double ms) => new([], faces, TimeSpan.FromMilliseconds(ms), faces > 0);

    [Fact]
    public void Add_Frames_CountsFramesFacesAndTimes()
    {
        var report = new RedactionReport();

        report.Add(Frame(0, 10));
        report.Add(Frame(2, 30));
        report.Add(Frame(1, 20));

        var s = report.Snapshot();
        Assert.Equal(3, s.FramesProcessed);
        Assert.Equal(2, s.FramesWithFaces);
        Assert.Equal(3, s.FacesFound);
        Assert.Equal(TimeSpan.FromMilliseconds(60), s.TotalTime);
        Assert.Equal(TimeSpan.FromMilliseconds(30), s.MaxTime);
        Assert.Equal(TimeSpan.FromMilliseconds(20), s.MeanTime);
        Assert.Equal(s.FacesFound, report.FacesFound);
    }

    [Fact]
    public void Add_FromManyThreads_LosesNothing()
    {
        var report = new RedactionReport();

        Parallel.For(0, 10_000, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => report.Add(Frame(i % 3, i % 100)));

        var s = report.Snapshot();
        Assert.Equal(10_000, s.FramesProcessed);
        Assert.Equal(Enumerable.Range(0, 10_000).Count(i => i % 3 > 0), s.FramesWithFaces);
        Assert.Equal(Enumerable.Range(0, 10_000).Sum(i => i % 3), s.FacesFound);
        Assert.Equal(TimeSpan.FromMilliseconds(Enumerable.Range(0, 10_000).Sum(i => i % 100)), s.TotalTime);
        Assert.Equal(TimeSpan.FromMilliseconds(99), s.MaxTime);
    }

    [Fact]
    public void ToJson_HoldsEveryCounter()
    {
        var report = new RedactionReport();
        report.Add(Frame(2, 12.5));
        report.Add(Frame(0, 7.5));

        using var json = JsonDocument.Parse(report.Snapshot().ToJson());

        var root = json.RootElement;
        Assert.Equal(2, root.GetProperty("frames_processed").GetInt64());
        Assert.Equal(1, root.GetProperty("frames_with_faces").GetInt64());
        Assert.Equal(2, root.GetProperty("faces_found").GetInt64());
        Assert.Equal(20.0, root.GetProperty("total_ms").GetDouble(), 3);
        Assert.Equal(10.0, root.GetProperty("mean_ms").GetDouble(), 3);
        Assert.Equal(12.5, root.GetProperty("max_ms").GetDouble(), 3);
    }

    [Fact]
    public void Snapshot_Empty_MeanIsZero() => Assert.Equal(TimeSpan.Zero, new RedactionReport().Snapshot().MeanTime);
}
