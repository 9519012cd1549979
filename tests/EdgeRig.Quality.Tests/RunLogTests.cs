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
