using System.Threading.Channels;
using EdgeRig.Core;

namespace EdgeRig.Export.SessionMcap;

/// <summary>
/// Reads a session's chunks in the background, so reading, verifying and decoding a chunk (and whatever the source adds, such
/// as redaction) overlap the export's writing. Each stream's next chunk is asked for when its current one is handed out, so
/// at most one chunk per stream waits decoded in memory. The source sees one call at a time, in the order the chunks were
/// asked for; a chunk's failure (problem or exception) reaches the export when it takes that chunk.
/// </summary>
internal sealed class ChunkReadAhead : IDisposable
{
    private readonly ISessionSource _source;
    private readonly Channel<Request> _queue = Channel.CreateUnbounded<Request>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Dictionary<(string Stream, int Index), Request> _asked = [];
    private readonly CancellationTokenSource _stop;
    private readonly Task _reader;

    public ChunkReadAhead(ISessionSource source, CancellationToken cancellationToken)
    {
        _source = source;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _reader = Task.Run(ReadAllAsync);
    }

    /// <summary>Starts reading <paramref name="chunk"/> if nobody has asked for it yet.</summary>
    public void Prefetch(ChunkInfo chunk) => Ask(chunk);

    /// <summary>The chunk's samples, or why they cannot be had (as <see cref="ISessionSource.TryReadChunk"/>); waits for the read.</summary>
    public (IReadOnlyList<Sample>? Samples, ChunkProblem? Problem) Take(ChunkInfo chunk)
    {
        var request = Ask(chunk);
        _asked.Remove(Key(chunk));
        return TaskWaits.WaitWithoutSpinning(request.Result.Task);
    }

    /// <summary>Stops the background reader and waits for the call in progress, so the source is not used after the export.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        _queue.Writer.TryComplete();
        try
        {
            TaskWaits.WaitWithoutSpinning(_reader);
        }
        finally
        {
            _stop.Dispose();
        }
    }

    private Request Ask(ChunkInfo chunk)
    {
        if (!_asked.TryGetValue(Key(chunk), out var request))
        {
            request = new Request(chunk);
            _asked.Add(Key(chunk), request);
            if (!_queue.Writer.TryWrite(request)) throw new ObjectDisposedException(nameof(ChunkReadAhead));
        }
        return request;
    }

    private static (string, int) Key(ChunkInfo chunk) => (chunk.Stream.Value, chunk.Index);

    private async Task ReadAllAsync()
    {
        await foreach (var request in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (_stop.IsCancellationRequested)
            {
                request.Result.TrySetCanceled(_stop.Token);
                continue;
            }
            try
            {
                request.Result.SetResult(_source.TryReadChunk(request.Chunk, out var samples, out var problem) ? (samples, null) : (null, problem));
            }
            catch (Exception e)
            {
                request.Result.SetException(e);
            }
        }
    }

    private sealed record Request(ChunkInfo Chunk)
    {
        public TaskCompletionSource<(IReadOnlyList<Sample>?, ChunkProblem?)> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
