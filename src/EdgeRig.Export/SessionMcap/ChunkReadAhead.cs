using System.Threading.Channels;
using EdgeRig.Core;

namespace EdgeRig.Export.SessionMcap;

/// <summary>
/// Reads a session's chunks in the background, so reading, verifying and decoding a chunk (and whatever the source adds, such
/// as redaction) overlap the export's writing. The export asks for the chunks it will need next (<see cref="Prefetch"/>), so
/// only those wait decoded in memory. A source that reads concurrently (<see cref="ISessionSource.ReadsConcurrently"/>) gets
/// each chunk asked for on a pool thread at once, so several chunks are checked on several cores; any other source sees one
/// call at a time, in the order the chunks were asked for. A chunk's failure (problem or exception) reaches the export when it
/// takes that chunk. Chunks come as leases (<see cref="ISessionSource.TryLeaseChunk"/>): the taker disposes each when done.
/// </summary>
internal sealed class ChunkReadAhead : IDisposable
{
    private readonly ISessionSource _source;
    private readonly Channel<Request>? _queue;
    private readonly Dictionary<(string Stream, int Index), Request> _asked = [];
    private readonly List<Task> _concurrentReads = [];
    private readonly CancellationTokenSource _stop;
    private readonly Task _reader = Task.CompletedTask;

    public ChunkReadAhead(ISessionSource source, CancellationToken cancellationToken)
    {
        _source = source;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (!source.ReadsConcurrently)
        {
            _queue = Channel.CreateUnbounded<Request>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
            _reader = Task.Run(ReadInOrderAsync);
        }
    }

    /// <summary>Chunks per stream worth reading ahead of the one being written: more when the source reads on several cores.</summary>
    public int Depth => _source.ReadsConcurrently ? 2 : 1;

    /// <summary>Starts reading <paramref name="chunk"/> if nobody has asked for it yet.</summary>
    public void Prefetch(ChunkInfo chunk) => Ask(chunk);

    /// <summary>
    /// The chunk's samples (a lease the caller disposes when done with the payloads), or why they cannot be had (as
    /// <see cref="ISessionSource.TryLeaseChunk"/>); waits for the read.
    /// </summary>
    public (ChunkLease? Lease, ChunkProblem? Problem) Take(ChunkInfo chunk)
    {
        var request = Ask(chunk);
        _asked.Remove(Key(chunk));
        return TaskWaits.WaitWithoutSpinning(request.Result.Task);
    }

    /// <summary>
    /// Stops the background reading, waits for the calls in progress (so the source is not used after the export) and gives
    /// back the chunks read but never taken.
    /// </summary>
    public void Dispose()
    {
        _stop.Cancel();
        _queue?.Writer.TryComplete();
        try
        {
            TaskWaits.WaitWithoutSpinning(_reader);
            foreach (var read in _concurrentReads)
            {
                TaskWaits.WaitWithoutSpinning(read);
            }
        }
        finally
        {
            foreach (var request in _asked.Values)
            {
                if (request.Result.Task.IsCompletedSuccessfully) request.Result.Task.Result.Item1?.Dispose();
            }
            _asked.Clear();
            _stop.Dispose();
        }
    }

    private Request Ask(ChunkInfo chunk)
    {
        if (!_asked.TryGetValue(Key(chunk), out var request))
        {
            request = new Request(chunk);
            _asked.Add(Key(chunk), request);
            if (_queue is null)
            {
                _concurrentReads.RemoveAll(t => t.IsCompleted);
                _concurrentReads.Add(Task.Run(() => Read(request)));
            }
            else if (!_queue.Writer.TryWrite(request))
            {
                throw new ObjectDisposedException(nameof(ChunkReadAhead));
            }
        }
        return request;
    }

    private static (string, int) Key(ChunkInfo chunk) => (chunk.Stream.Value, chunk.Index);

    private async Task ReadInOrderAsync()
    {
        await foreach (var request in _queue!.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            Read(request);
        }
    }

    private void Read(Request request)
    {
        if (_stop.IsCancellationRequested)
        {
            request.Result.TrySetCanceled(_stop.Token);
            return;
        }
        try
        {
            request.Result.SetResult(_source.TryLeaseChunk(request.Chunk, out var lease, out var problem) ? (lease, null) : (null, problem));
        }
        catch (Exception e)
        {
            request.Result.SetException(e);
        }
    }

    private sealed record Request(ChunkInfo Chunk)
    {
        public TaskCompletionSource<(ChunkLease?, ChunkProblem?)> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
