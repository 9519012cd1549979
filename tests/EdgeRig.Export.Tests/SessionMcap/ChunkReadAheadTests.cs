using System.Diagnostics.CodeAnalysis;
using EdgeRig.Core;
using EdgeRig.Export.SessionMcap;

namespace EdgeRig.Export.Tests.SessionMcap;

/// <summary>
/// The export's background chunk reader: one source call at a time (or several, for a source that reads concurrently), every
/// chunk read once, failures where they belong, every lent chunk given back.
/// </summary>
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

    [Fact]
    public void Export_ConcurrentSource_ReadsEveryChunkOnce_SameBytes_AndGivesEveryLeaseBack()
    {
        var sequential = new MemoryStream();
        SessionMcapExporter.Export(new WatchedSource(new PulledFolderSessionSource(_session.Folder)), sequential);
        var source = new WatchedSource(new PulledFolderSessionSource(_session.Folder)) { Concurrent = true };
        var concurrent = new MemoryStream();

        var result = SessionMcapExporter.Export(source, concurrent);

        Assert.True(result.Complete);
        Assert.Equal(source.Chunks.Select(c => (c.Stream.Value, c.Index)).Order(), source.Read.Order());
        Assert.Equal(0, source.LeasesOut);
        Assert.Equal(source.Chunks.Count, source.LeasesGiven);
        Assert.Equal(sequential.ToArray(), concurrent.ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Export_FailsHalfway_EveryLeaseReadComesBack(bool concurrent)
    {
        var source = new WatchedSource(new PulledFolderSessionSource(_session.Folder)) { ThrowOn = ("mic0", 2), Concurrent = concurrent };

        Assert.Throws<IOException>(() => SessionMcapExporter.Export(source, new MemoryStream()));

        Assert.True(source.LeasesGiven > 0);
        Assert.Equal(0, source.LeasesOut);
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
        public bool Concurrent { get; init; }
        public bool ReadsConcurrently => Concurrent;
        public int LeasesGiven => Volatile.Read(ref _leasesGiven);
        public int LeasesOut => Volatile.Read(ref _leasesOut);
        private int _leasesGiven, _leasesOut;

        /// <summary>The inner source's lease, counted out here and back in when the reader disposes it.</summary>
        public bool TryLeaseChunk(ChunkInfo chunk, [NotNullWhen(true)] out ChunkLease? lease, [NotNullWhen(false)] out ChunkProblem? problem)
        {
            lease = null;
            Watch(chunk);
            if (!inner.TryLeaseChunk(chunk, out var lent, out problem)) return false;
            Interlocked.Increment(ref _leasesGiven);
            Interlocked.Increment(ref _leasesOut);
            lease = new ChunkLease(lent.Samples, () =>
            {
                lent.Dispose();
                Interlocked.Decrement(ref _leasesOut);
            });
            return true;
        }

        public bool TryReadChunk(ChunkInfo chunk, [NotNullWhen(true)] out IReadOnlyList<Sample>? samples, [NotNullWhen(false)] out ChunkProblem? problem)
        {
            Watch(chunk);
            return inner.TryReadChunk(chunk, out samples, out problem);
        }

        /// <summary>Notes the call and how many overlap it, acts on the n-th, throws for <see cref="ThrowOn"/>.</summary>
        private void Watch(ChunkInfo chunk)
        {
            int inside = Interlocked.Increment(ref _inside);
            try
            {
                int count;
                lock (Read)
                {
                    _mostAtOnce = Math.Max(_mostAtOnce, inside);
                    Read.Add((chunk.Stream.Value, chunk.Index));
                    count = Read.Count;
                }
                Thread.Sleep(1); // widen the window in which an overlapping call would be seen
                OnRead?.Invoke(count);
                if (ThrowOn == (chunk.Stream.Value, chunk.Index)) throw new IOException($"{chunk.Stream}/{chunk.Index}: device gone (test)");
            }
            finally
            {
                Interlocked.Decrement(ref _inside);
            }
        }
    }
}
