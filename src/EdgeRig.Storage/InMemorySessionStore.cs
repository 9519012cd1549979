using EdgeRig.Core;
using EdgeRig.Formats;

namespace EdgeRig.Storage;

/// <summary>
/// A session store in memory: the same chunk format (ChunkFormat, CRC32C and SHA-256 per chunk) and the same rules as
/// <see cref="LiteDbSessionStore"/> (one contract suite runs against both), with nothing durable. For tests and offline tools
/// that need a store without a data directory; never the rig's store. Thread-safe.
/// </summary>
public sealed class InMemorySessionStore(TimeProvider? time = null) : ISessionStore
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Entry> _sessions = new(StringComparer.Ordinal);
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    private sealed class Entry(SessionRecord record)
    {
        public SessionRecord Record = record;
        public readonly List<(ChunkInfo Info, byte[] Stored)> Chunks = [];
        public readonly Dictionary<string, int> NextIndex = new(StringComparer.Ordinal);
        public readonly List<PtpRecord> Ptp = [];
    }

    public void CreateSession(Session session, IReadOnlyList<StreamDescriptor> streams)
    {
        lock (_gate)
        {
            if (_sessions.ContainsKey(session.Id)) throw new InvalidRigStateException($"session '{session.Id}' already exists");
            _sessions[session.Id] = new Entry(new SessionRecord(session, streams.ToList(), new Dictionary<string, StreamCounts>(), [], 0, 0));
        }
    }

    public IReadOnlyList<ChunkInfo> WriteChunks(string sessionId, IReadOnlyList<ChunkBatch> batches)
    {
        lock (_gate)
        {
            var e = Find(sessionId);
            if (e.Record.Session.State != SessionState.Recording) throw new InvalidRigStateException($"session '{sessionId}' is not recording");
            var written = new List<ChunkInfo>(batches.Count);
            foreach (var batch in batches)
            {
                string stream = batch.Descriptor.Id.Value;
                int index = e.NextIndex.GetValueOrDefault(stream);
                var (info, stored) = ChunkFormat.Encode(batch.Descriptor, batch.Samples, index);
                e.NextIndex[stream] = index + 1;
                e.Chunks.Add((info, stored));
                written.Add(info);
            }
            e.Record = e.Record with { ChunkCount = e.Chunks.Count, StoredBytes = e.Chunks.Sum(c => (long)c.Stored.Length) };
            return written;
        }
    }

    public void AddMarker(string sessionId, Marker marker) => Update(sessionId, r => r with { Markers = [.. r.Markers, marker] });

    public void UpdateCounts(string sessionId, IReadOnlyDictionary<string, StreamCounts> counts) =>
        Update(sessionId, r => r with { Counts = new Dictionary<string, StreamCounts>(counts) });

    public void UpdateSync(string sessionId, IReadOnlyDictionary<string, BoundStats> sync) =>
        Update(sessionId, r => r with { Sync = new Dictionary<string, BoundStats>(sync) });

    public void AppendPtp(string sessionId, IReadOnlyList<PtpRecord> records)
    {
        lock (_gate) Find(sessionId).Ptp.AddRange(records);
    }

    public IReadOnlyList<PtpRecord> ReadPtp(string sessionId)
    {
        lock (_gate) return Find(sessionId).Ptp.ToList();
    }

    public void CloseSession(string sessionId, RigTime stop, SessionState state, string reason) =>
        Update(sessionId, r => r with { Session = r.Session with { Stop = stop, State = state, StopReason = reason } });

    public IReadOnlyList<SessionRecord> ListSessions()
    {
        lock (_gate) return _sessions.Values.Select(e => e.Record).OrderBy(r => r.Session.Start).ToList();
    }

    public SessionRecord GetSession(string sessionId)
    {
        lock (_gate) return Find(sessionId).Record;
    }

    public void SetCalibration(string sessionId, string profile) => Update(sessionId, r => r with { Session = r.Session with { Calibration = profile } });

    public void SetQaReport(string sessionId, QaVerdict verdict, string json) => Update(sessionId, r => r with { QaVerdict = verdict, QaReportJson = json });

    public void SetRedactionReport(string sessionId, string json) => Update(sessionId, r => r with { RedactionReportJson = json });

    public long PurgeStream(string sessionId, string stream, string reason)
    {
        lock (_gate)
        {
            var e = Find(sessionId);
            if (e.Record.Session.State == SessionState.Recording)
                throw new InvalidRigStateException($"session '{sessionId}' is still recording; stop it before purging {stream}");
            if (e.Record.Streams.All(s => s.Id.Value != stream)) throw new ArgumentException($"session '{sessionId}' has no stream '{stream}'");
            long bytes = e.Chunks.Where(c => c.Info.Stream.Value == stream).Sum(c => (long)c.Stored.Length);
            e.Chunks.RemoveAll(c => c.Info.Stream.Value == stream);
            var purged = new Dictionary<string, string>(e.Record.Purged) { [stream] = $"{_time.GetUtcNow():yyyy-MM-ddTHH:mm:ssZ}: {reason}" };
            e.Record = e.Record with { Purged = purged, ChunkCount = e.Chunks.Count, StoredBytes = e.Chunks.Sum(c => (long)c.Stored.Length) };
            return bytes;
        }
    }

    public void MarkPulled(string sessionId, DateTimeOffset at) => Update(sessionId, r => r with { PulledAt = at });

    public long SessionDiskBytes(string sessionId)
    {
        lock (_gate) return Find(sessionId).Chunks.Sum(c => (long)c.Stored.Length);
    }

    public void DeleteSession(string sessionId)
    {
        lock (_gate)
        {
            if (Find(sessionId).Record.Session.State == SessionState.Recording)
                throw new InvalidRigStateException($"session '{sessionId}' is still recording; stop it before deleting");
            _sessions.Remove(sessionId);
        }
    }

    /// <summary>Nothing outlives the process, so nothing is ever left recording by a crash.</summary>
    public IReadOnlyList<string> RecoverOpenSessions() => [];

    public IReadOnlyList<ChunkInfo> ListChunks(string sessionId)
    {
        lock (_gate) return Find(sessionId).Chunks.Select(c => c.Info).ToList();
    }

    public IReadOnlyList<ChunkInfo> ListChunksWithSha256(string sessionId) => ListChunks(sessionId); // encoded with it

    public byte[] ReadChunk(string sessionId, ChunkInfo chunk)
    {
        lock (_gate)
        {
            var e = Find(sessionId);
            foreach (var (info, stored) in e.Chunks)
                if (info.Stream == chunk.Stream && info.Index == chunk.Index)
                {
                    uint crc = Crc32C.Compute(stored);
                    if (crc != info.Crc32C) throw new CorruptChunkException($"chunk {info.Stream}/{info.Index}: CRC32C {crc:x8} does not match {info.Crc32C:x8}");
                    return (byte[])stored.Clone();
                }
            throw new CorruptChunkException($"chunk {chunk.Stream}/{chunk.Index} of session '{sessionId}' is not in the store", missing: true);
        }
    }

    public void Dispose() { }

    private Entry Find(string sessionId) => _sessions.TryGetValue(sessionId, out var e) ? e : throw new SessionNotFoundException(sessionId);

    private void Update(string sessionId, Func<SessionRecord, SessionRecord> change)
    {
        lock (_gate)
        {
            var e = Find(sessionId);
            e.Record = change(e.Record);
        }
    }
}
