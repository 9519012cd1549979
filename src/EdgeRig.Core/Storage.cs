namespace EdgeRig.Core;

/// <summary>How a chunk's sample block is compressed.</summary>
public enum ChunkCodec { None = 0, Lz4 = 1 }

/// <summary>
/// The index of one stored chunk: which samples it holds, how it is encoded, and its checksums.
/// CRC32C protects the stored bytes on disk; SHA-256 is what pulls are verified against (empty until first needed).
/// </summary>
public sealed record ChunkInfo(
    StreamId Stream,
    int Index,
    long FirstSequence,
    long LastSequence,
    int Count,
    RigTime FirstRigTime,
    RigTime LastRigTime,
    ChunkCodec Codec,
    int RawLength,
    int StoredLength,
    uint Crc32C,
    string Sha256Hex);

/// <summary>Samples of one stream handed to the store as one chunk.</summary>
public sealed record ChunkBatch(StreamDescriptor Descriptor, IReadOnlyList<Sample> Samples);

/// <summary>Everything the catalogue knows of a session.</summary>
public sealed record SessionRecord(
    Session Session,
    IReadOnlyList<StreamDescriptor> Streams,
    IReadOnlyDictionary<string, StreamCounts> Counts,
    IReadOnlyList<Marker> Markers,
    int ChunkCount,
    long StoredBytes)
{
    /// <summary>When a pull of the whole session last completed, if ever (retention's keep-until-pulled).</summary>
    public DateTimeOffset? PulledAt { get; init; }

    /// <summary>Per stream: the distribution of the rig-time error bounds of its recorded samples.</summary>
    public IReadOnlyDictionary<string, BoundStats> Sync { get; init; } = new Dictionary<string, BoundStats>();

    /// <summary>The QA verdict; null until the report is made at stop.</summary>
    public QaVerdict? QaVerdict { get; init; }

    /// <summary>The final QA report as JSON (format edgerig-qa-report/1), empty until stop.</summary>
    public string QaReportJson { get; init; } = "";

    /// <summary>The face-redaction report as JSON (frames processed, faces found, time spent), empty if nothing was redacted at capture.</summary>
    public string RedactionReportJson { get; init; } = "";

    /// <summary>Streams whose data was purged (consent withdrawn), with why and when.</summary>
    public IReadOnlyDictionary<string, string> Purged { get; init; } = new Dictionary<string, string>();

    /// <summary>Id of the key the session's chunks are encrypted with; empty when stored in the clear.</summary>
    public string KeyId { get; init; } = "";
}

/// <summary>Distribution of a stream's rig-time error bounds: how good its timestamps were.</summary>
public sealed record BoundStats(long Count, Duration P50, Duration P99, Duration Max);

/// <summary>One PTP poll recorded into a session's timeline.</summary>
public sealed record PtpRecord(RigTime At, bool Available, string PortState, long OffsetNs, double PathDelayNs, bool Locked);

/// <summary>The data disk reached its free-space reserve, or is full: nothing was written by the refused call.</summary>
public sealed class StorageFullException(string message, bool reserveReached = false) : IOException(message)
{
    /// <summary>Refused at the free-space reserve (the disk still has room), not by a full disk: what is in flight may still be
    /// written into the reserve (<see cref="ISessionStore.WriteChunksIntoReserve"/>).</summary>
    public bool ReserveReached { get; } = reserveReached;
}

/// <summary>Thrown when stored bytes fail their checksum (or are gone): they are never served as good data.</summary>
public sealed class CorruptChunkException(string message, bool missing = false) : Exception(message)
{
    /// <summary>The chunk's bytes are not there at all, rather than there but wrong.</summary>
    public bool Missing { get; } = missing;
}

/// <summary>The recorder's side of the store: a session created, its chunks, markers, counts, sync and PTP polls written, and closed. What "written" means for durability is each implementation's to say and make true.</summary>
public interface ISessionWriter
{
    void CreateSession(Session session, IReadOnlyList<StreamDescriptor> streams);

    /// <summary>Writes the batches as chunks in one durable transaction and returns their index entries.</summary>
    IReadOnlyList<ChunkInfo> WriteChunks(string sessionId, IReadOnlyList<ChunkBatch> batches);

    /// <summary>The last write of a session the reserve ended: what was in flight goes into the free-space reserve (down to a
    /// quarter of it), which exists for this.</summary>
    IReadOnlyList<ChunkInfo> WriteChunksIntoReserve(string sessionId, IReadOnlyList<ChunkBatch> batches) => WriteChunks(sessionId, batches);

    void AddMarker(string sessionId, Marker marker);

    void UpdateCounts(string sessionId, IReadOnlyDictionary<string, StreamCounts> counts);

    void UpdateSync(string sessionId, IReadOnlyDictionary<string, BoundStats> sync);

    /// <summary>Appends PTP polls to the session's timeline (kept in the session's own file).</summary>
    void AppendPtp(string sessionId, IReadOnlyList<PtpRecord> records);

    void CloseSession(string sessionId, RigTime stop, SessionState state, string reason);

    /// <summary>Why the store cannot write now (a failed catalogue write, the disk at its reserve); null when it can.</summary>
    string? WriteFailure => null;
}

/// <summary>Sessions as records: listed, read, annotated (calibration, QA, redaction, pulled), purged, deleted, recovered and repaired.</summary>
public interface ISessionCatalogue
{
    IReadOnlyList<PtpRecord> ReadPtp(string sessionId);

    IReadOnlyList<SessionRecord> ListSessions();

    /// <exception cref="SessionNotFoundException">no session has that id.</exception>
    SessionRecord GetSession(string sessionId);

    /// <summary>Sets the calibration profile a session is read and exported with ("NAME@VERSION", or empty for none).</summary>
    void SetCalibration(string sessionId, string profile);

    /// <summary>Stores the session's QA report: its verdict (pass, warn, fail) and the report as JSON.</summary>
    void SetQaReport(string sessionId, QaVerdict verdict, string json);

    /// <summary>Stores the session's face-redaction report (JSON).</summary>
    void SetRedactionReport(string sessionId, string json);

    /// <summary>Erases every chunk of one stream (their bytes overwritten, then unindexed) and notes why; returns the bytes erased.</summary>
    /// <exception cref="InvalidRigStateException">the session is still recording.</exception>
    long PurgeStream(string sessionId, string stream, string reason);

    /// <summary>Records that a pull of the whole session completed.</summary>
    void MarkPulled(string sessionId, DateTimeOffset at);

    /// <summary>Bytes the session occupies on disk, all its files together.</summary>
    long SessionDiskBytes(string sessionId);

    /// <summary>Deletes a finished session and its files, freeing the space.</summary>
    /// <exception cref="InvalidRigStateException">the session is still recording.</exception>
    void DeleteSession(string sessionId);

    /// <summary>Closes sessions left recording by a crash; returns the ids it recovered.</summary>
    IReadOnlyList<string> RecoverOpenSessions();

    /// <summary>What the store had to repair or restore since it opened (damaged files moved aside, indexes rebuilt), in words.</summary>
    IReadOnlyCollection<string> Repairs => [];

    /// <summary>Rebuilds a finished session's chunk index from its own files (the old index kept aside); returns what it did.</summary>
    /// <exception cref="InvalidRigStateException">the session is still recording.</exception>
    IReadOnlyList<string> RepairSession(string sessionId) => throw new NotSupportedException("this store cannot repair sessions");
}

/// <summary>The stored chunks of a session, in pull order, CRC-checked when read.</summary>
public interface IChunkReader
{
    /// <summary>The session's chunks in pull order: the order they were written, stable while the session still records.</summary>
    IReadOnlyList<ChunkInfo> ListChunks(string sessionId);

    /// <summary>Like <see cref="ListChunks"/>, with every chunk's SHA-256 (computed and kept on first use: pulls need it, recording does
    /// not). A chunk that cannot be read keeps an empty SHA-256; <see cref="ReadChunk"/> names its damage.</summary>
    IReadOnlyList<ChunkInfo> ListChunksWithSha256(string sessionId);

    /// <summary>The stored (possibly compressed) bytes of one chunk, CRC-checked, in a new array the caller owns (readers decode in place).</summary>
    /// <exception cref="CorruptChunkException">the bytes do not match their CRC32C.</exception>
    byte[] ReadChunk(string sessionId, ChunkInfo chunk);

    /// <summary><see cref="ReadChunk"/> into a lent buffer where the store has a pool (pulls read every chunk twice: a new large
    /// array per read is gen2 garbage); dispose it once the bytes are used.</summary>
    /// <exception cref="CorruptChunkException">the bytes do not match their CRC32C.</exception>
    RentedChunk RentChunk(string sessionId, ChunkInfo chunk) => new(ReadChunk(sessionId, chunk));
}

/// <summary>
/// The session store, all three roles (ISessionWriter, ISessionCatalogue, IChunkReader) in one: LiteDbSessionStore on the rig,
/// InMemorySessionStore in tests and tools. Every implementation passes one contract suite (tests/EdgeRig.Storage.Tests).
/// </summary>
public interface ISessionStore : ISessionWriter, ISessionCatalogue, IChunkReader, IDisposable;

/// <summary>A source of samples: a real driver or a simulated twin.</summary>
public interface ISensor : IAsyncDisposable
{
    string DeviceId { get; }
    IReadOnlyList<StreamDescriptor> Streams { get; }

    /// <summary>Starts capture; samples go to <paramref name="sink"/> from the sensor's own thread and must never block it.</summary>
    Task StartAsync(ISampleSink sink, CancellationToken cancellationToken);

    Task StopAsync();
}

/// <summary>A camera whose exposure can be fixed for a calibration run (a stimulus must brighten frames the same way each
/// time; auto exposure would chase the flash), and given back to automatic afterwards.</summary>
public interface IExposureControl
{
    string DeviceId { get; }

    /// <summary>Manual exposure of this length, now and after any reconnect, until <see cref="ReleaseExposure"/>.</summary>
    void FixExposure(Duration exposure);

    void ReleaseExposure();
}

/// <summary>Receives samples from capture. Implementations must not block.</summary>
public interface ISampleSink
{
    void Publish(Sample sample);
}

/// <summary>The hash a pull is verified against: SHA-256 over "stream/index/sha256\n" of every chunk in pull order.</summary>
public static class SessionHash
{
    public static string Compute(IEnumerable<(string Stream, int Index, string Sha256Hex)> chunks)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var (stream, index, sha) in chunks)
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"{stream}/{index}/{sha}\n"));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}

/// <summary>
/// Encryption of chunk bytes at rest, as the store uses it. Every session gets its own data key, kept only wrapped (sealed
/// under the rig's current key) in the session's catalogue record: deleting that record crypto-shreds the session. Chunks are
/// sealed bound to their identity (<c>aad</c>, "SESSION/STREAM/INDEX") so they cannot be swapped. Key material never leaves
/// the implementation; the wrapped key text is safe to store.
/// </summary>
public interface IChunkCipher
{
    /// <summary>Id of the rig key that wraps new sessions' data keys.</summary>
    string CurrentKeyId { get; }

    /// <summary>Keys in the ring (current and older ones kept for reading).</summary>
    int KeyCount { get; }

    /// <summary>Makes a data key for a new session; returns it wrapped (text for the catalogue).</summary>
    string NewSessionKey(string sessionId);

    /// <summary>Id of the rig key a wrapped session key is sealed under.</summary>
    string WrappingKeyOf(string wrappedKey);

    /// <summary>Encrypts the plain chunk bytes given as pieces (their total is <paramref name="plainLength"/>) with the session's key.</summary>
    byte[] Seal(string wrappedKey, IReadOnlyList<ReadOnlyMemory<byte>> pieces, int plainLength, string aad);

    /// <summary>Decrypts and authenticates sealed chunk bytes with the session's key.</summary>
    /// <exception cref="CorruptChunkException">tampered bytes, the wrong chunk, or an unknown key; the message names the chunk.</exception>
    byte[] Open(string wrappedKey, ReadOnlySpan<byte> sealedBytes, string aad);

    /// <summary>Makes a new current key for sessions started from now on; returns its id.</summary>
    string Rotate();
}
