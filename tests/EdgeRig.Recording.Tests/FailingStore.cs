using EdgeRig.Core;

namespace EdgeRig.Recording.Tests;

/// <summary>A session store over a real one that fails writes on demand (an I/O error, or the disk reserve reached) and counts
/// the counts updates the recorder makes (which tell a test that a writer pass ran).</summary>
internal sealed class FailingStore(ISessionStore inner) : ISessionStore
{
    public volatile bool Fail, AtReserve;
    public int IntoReserve;
    private int _countsUpdates;
    public int CountsUpdates => Volatile.Read(ref _countsUpdates);
    public void CreateSession(Session session, IReadOnlyList<StreamDescriptor> streams) => inner.CreateSession(session, streams);
    public IReadOnlyList<ChunkInfo> WriteChunks(string sessionId, IReadOnlyList<ChunkBatch> batches) =>
        Fail ? throw new IOException("No space left on device")
        : AtReserve ? throw new StorageFullException("disk reserve reached: 255.0 MiB free on the data disk, reserve 256.0 MiB", reserveReached: true)
        : inner.WriteChunks(sessionId, batches);
    public IReadOnlyList<ChunkInfo> WriteChunksIntoReserve(string sessionId, IReadOnlyList<ChunkBatch> batches)
    {
        Interlocked.Increment(ref IntoReserve);
        return inner.WriteChunks(sessionId, batches);
    }
    public void AddMarker(string sessionId, Marker marker) => inner.AddMarker(sessionId, marker);
    public void UpdateCounts(string sessionId, IReadOnlyDictionary<string, StreamCounts> counts)
    {
        inner.UpdateCounts(sessionId, counts);
        Interlocked.Increment(ref _countsUpdates);
    }
    public void CloseSession(string sessionId, RigTime stop, SessionState state, string reason) => inner.CloseSession(sessionId, stop, state, reason);
    public IReadOnlyList<SessionRecord> ListSessions() => inner.ListSessions();
    public SessionRecord GetSession(string sessionId) => inner.GetSession(sessionId);
    public IReadOnlyList<ChunkInfo> ListChunks(string sessionId) => inner.ListChunks(sessionId);
    public byte[] ReadChunk(string sessionId, ChunkInfo chunk) => inner.ReadChunk(sessionId, chunk);
    public IReadOnlyList<string> RecoverOpenSessions() => inner.RecoverOpenSessions();
    public void UpdateSync(string sessionId, IReadOnlyDictionary<string, BoundStats> sync) => inner.UpdateSync(sessionId, sync);
    public void AppendPtp(string sessionId, IReadOnlyList<PtpRecord> records) => inner.AppendPtp(sessionId, records);
    public IReadOnlyList<PtpRecord> ReadPtp(string sessionId) => inner.ReadPtp(sessionId);
    public void MarkPulled(string sessionId, DateTimeOffset at) => inner.MarkPulled(sessionId, at);
    public void SetQaReport(string sessionId, QaVerdict verdict, string json) => inner.SetQaReport(sessionId, verdict, json);
    public void SetRedactionReport(string sessionId, string json) => inner.SetRedactionReport(sessionId, json);
    public long PurgeStream(string sessionId, string stream, string reason) => inner.PurgeStream(sessionId, stream, reason);
    public void SetCalibration(string sessionId, string profile) => inner.SetCalibration(sessionId, profile);
    public void DeleteSession(string sessionId) => inner.DeleteSession(sessionId);
    public long SessionDiskBytes(string sessionId) => inner.SessionDiskBytes(sessionId);
    public IReadOnlyList<ChunkInfo> ListChunksWithSha256(string sessionId) => inner.ListChunksWithSha256(sessionId);
    public void Dispose() { }
}
