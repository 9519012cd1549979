using System.Diagnostics.CodeAnalysis;
using EdgeRig.Core;
using EdgeRig.Export.SessionMcap;

namespace EdgeRig.Export.Tests.SessionMcap;

/// <summary>The export's background chunk reader: one source call at a time, every chunk read once, failures where they belong.</summary>
public sealed class ChunkReadAheadTests : IDisposable
{
    private readonly SyntheticSessionFolder _session = new();

    public void Dispose() => _session.Dispose();

    [Fact]
    public void Export_ReadsEveryChunkOnceWithNeverTwoCallsAtATime_AndNoneAfterItReturns()
    {
        var source = new WatchedSource(new PulledFolderSessionSource(_session.Folder));

        var result = SessionMcapExporter.Export(source, new MemoryStream());

        Assert.True(result.Complete);
        Assert.Equal(1, source.MostAtOnce);
        Assert.Equal(source.Chunks.Select(c => (c.Stream.Value, c.Index)).Order(), source.Read.Order());
        int after = source.Read.Count;
        Thread.Sleep(50);
        Assert.Equal(after, source.Read.Count);
    }

    [Fact]
    public void Export_SourceThrowsForOneChunk_TheExportFailsWithThatException()
    {
        var source = new WatchedSource(new PulledFolderSessionSource(_session.Folder)) { ThrowOn = ("mic0", 2) };

        var e = Assert.Throws<IOException>(() => SessionMcapExporter.Export(source, new MemoryStream()));

        Assert.Equal("mic0/2: device gone (test)", e.Message);
    }

    [Fact]
    public void Export_Cancelled_StopsWithOperationCanceled()
    {
        using var cancel = new CancellationTokenSource();
        var source = new WatchedSource(new PulledFolderSessionSource(_session.Folder)) { OnRead = n => { if (n == 3) cancel.Cancel(); } };

        Assert.ThrowsAny<OperationCanceledException>(() => SessionMcapExporter.Export(source, new MemoryStream(), cancellationToken: cancel.Token));
        Assert.True(source.Read.Count < source.Chunks.Count, $"{source.Read.Count} of {source.Chunks.Count} chunks read after cancelling");
    }

    /// <summary>Counts calls, how many overlap, and can fail one chunk or act on the n-th read.</summary>
    private sealed class WatchedSource(ISessionSource inner) : ISessionSource
    {
        private int _inside;
        private int _mostAtOnce;

        public SessionRecord Record => inner.Record;
        public IReadOnlyList<ChunkInfo> Chunks => inner.Chunks;
        public (string Stream, int Index)? ThrowOn { get; init; }
        public Action<int>? OnRead { get; init; }
        public List<(string, int)> Read { get; } = [];
        public int MostAtOnce => Volatile.Read(ref _mostAtOnce);

        public bool TryReadChunk(ChunkInfo chunk, [NotNullWhen(true)] out IReadOnlyList<Sample>? samples, [NotNullWhen(false)] out ChunkProblem? problem)
        {
            int inside = Interlocked.Increment(ref _inside);
            try
            {
                lock (Read)
                {
                    _mostAtOnce = Math.Max(_mostAtOnce, inside);
                    Read.Add((chunk.Stream.Value, chunk.Index));
                }
                Thread.Sleep(1); // widen the window in which an overlapping call would be seen
                OnRead?.Invoke(Read.Count);
                if (ThrowOn == (chunk.Stream.Value, chunk.Index)) throw new IOException($"{chunk.Stream}/{chunk.Index}: device gone (test)");
                return inner.TryReadChunk(chunk, out samples, out problem);
            }
            finally
            {
                Interlocked.Decrement(ref _inside);
            }
        }
    }
}
