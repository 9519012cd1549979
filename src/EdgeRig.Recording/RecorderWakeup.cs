using System.Threading.Channels;
using EdgeRig.Core;

namespace EdgeRig.Recording;

/// <summary>
/// What the recorder's writer awaits between passes: a sample in any stream channel, a queued marker, the next due time
/// (a timer of the injected <see cref="TimeProvider"/>), or the stop. Each channel keeps one outstanding
/// <see cref="ChannelReader{T}.WaitToReadAsync"/> across passes, so a quiet channel costs nothing per pass.
/// </summary>
internal sealed class RecorderWakeup : IDisposable
{
    private readonly IReadOnlyList<ChannelReader<Sample>> _streams;
    private readonly ChannelReader<Marker> _markers;
    private readonly Task<bool>?[] _streamWaits;
    private readonly ITimer _timer;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task<bool>? _markerWait;
    private TaskCompletionSource _due = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public RecorderWakeup(IReadOnlyList<ChannelReader<Sample>> streams, ChannelReader<Marker> markers, TimeProvider time)
    {
        _streams = streams;
        _markers = markers;
        _streamWaits = new Task<bool>?[streams.Count];
        _timer = time.CreateTimer(_ => Volatile.Read(ref _due).TrySetResult(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Returns once a channel has something to read (or was completed), <paramref name="due"/> has passed, or <see cref="Stop"/> was called.</summary>
    public async Task WaitAsync(TimeSpan due)
    {
        if (due <= TimeSpan.Zero || _stopped.Task.IsCompleted) return;
        var waits = new Task[_streams.Count + 3];
        for (int i = 0; i < _streams.Count; i++)
        {
            if (_streamWaits[i] is not { IsCompleted: false }) _streamWaits[i] = _streams[i].WaitToReadAsync().AsTask();
            if (_streamWaits[i]!.IsCompleted) return;
            waits[i] = _streamWaits[i]!;
        }
        if (_markerWait is not { IsCompleted: false }) _markerWait = _markers.WaitToReadAsync().AsTask();
        if (_markerWait.IsCompleted) return;
        var timer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _due, timer);
        _timer.Change(due, Timeout.InfiniteTimeSpan);
        waits[^3] = _markerWait;
        waits[^2] = timer.Task;
        waits[^1] = _stopped.Task;
        await Task.WhenAny(waits).ConfigureAwait(false);
    }

    /// <summary>Ends the current wait and every later one at once.</summary>
    public void Stop() => _stopped.TrySetResult();

    public void Dispose() => _timer.Dispose();
}
