using EdgeRig.Core;

namespace EdgeRig.Quality;

/// <summary>A stretch of consecutive flagged samples: from the first one's start to the last one's end, how many, and a value they share.</summary>
internal readonly record struct Run(RigTime From, RigTime To, long Count, double Value = 0)
{
    public double Seconds => (To - From).TotalSeconds;
}

/// <summary>
/// Collects runs of flagged samples in bounded memory: the totals over all runs that qualify (long enough to matter),
/// and the longest of them, up to a capacity. A run grows with <see cref="Extend"/> and ends with <see cref="Close"/>,
/// or on its own when the next flagged sample comes more than <c>mergeWithin</c> after it (when given).
/// </summary>
internal sealed class RunLog(int capacity, long minCount = 1, double minSeconds = 0, Duration? mergeWithin = null)
{
    private readonly List<Run> _longest = [];
    private Run _open;

    public bool IsOpen { get; private set; }

    /// <summary>Qualifying runs closed so far, their samples and their time.</summary>
    public long ClosedRuns { get; private set; }
    public long ClosedCount { get; private set; }
    public double ClosedSeconds { get; private set; }

    /// <summary>Flagged samples in all runs, qualifying or not, the open one included.</summary>
    public long FlaggedCount { get; private set; }

    /// <summary>Adds flagged samples: opens a run at <paramref name="from"/>, or moves the open run's end to <paramref name="to"/>.</summary>
    public void Extend(RigTime from, RigTime to, long count = 1, double value = 0)
    {
        if (IsOpen && mergeWithin is { } gap && from - _open.To > gap) Close();
        FlaggedCount += count;
        if (!IsOpen)
        {
            _open = new Run(from, to, count, value);
            IsOpen = true;
            return;
        }
        _open = _open with { To = to > _open.To ? to : _open.To, Count = _open.Count + count };
    }

    public void Close()
    {
        if (!IsOpen) return;
        IsOpen = false;
        if (!Qualifies(_open)) return;
        ClosedRuns++;
        ClosedCount += _open.Count;
        ClosedSeconds += _open.Seconds;
        Keep(_longest, _open, capacity);
    }

    /// <summary>Qualifying runs so far with the open one as if it ended now: count, samples, seconds, and the longest (in time order).</summary>
    public RunSummary Summary()
    {
        var listed = new List<Run>(_longest);
        long runs = ClosedRuns, count = ClosedCount;
        double seconds = ClosedSeconds;
        if (IsOpen && Qualifies(_open))
        {
            runs++;
            count += _open.Count;
            seconds += _open.Seconds;
            Keep(listed, _open, capacity);
        }
        Run? longest = listed.Count == 0 ? null : listed.MaxBy(r => r.Seconds);
        listed.Sort((a, b) => a.From.CompareTo(b.From));
        return new RunSummary(runs, count, seconds, longest, listed);
    }

    private bool Qualifies(Run run) => run.Count >= minCount && run.Seconds >= minSeconds;

    private static void Keep(List<Run> longest, Run run, int capacity)
    {
        if (longest.Count < capacity)
        {
            longest.Add(run);
            return;
        }
        int shortest = 0;
        for (int i = 1; i < longest.Count; i++)
            if (longest[i].Seconds < longest[shortest].Seconds) shortest = i;
        if (run.Seconds > longest[shortest].Seconds) longest[shortest] = run;
    }
}

/// <summary>What a <see cref="RunLog"/> holds: qualifying runs, their samples and seconds, the longest, and the listed ones in time order.</summary>
internal sealed record RunSummary(long Runs, long Count, double Seconds, Run? Longest, IReadOnlyList<Run> Listed);
