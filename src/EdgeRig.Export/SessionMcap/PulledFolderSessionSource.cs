using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using EdgeRig.Core;
using EdgeRig.Formats;

namespace EdgeRig.Export.SessionMcap;

/// <summary>
/// A session read from a pulled session folder (manifest.json + chunks/), no rig needed; every chunk is checked against its SHA-256 and CRC-32C.
/// Chunks a partial pull could not bring (damaged on the rig, listed as missing in the manifest) are in <see cref="Chunks"/> and read as problems.
/// </summary>
public sealed class PulledFolderSessionSource : ISessionSource
{
    private readonly string _folder;
    private readonly Dictionary<(string Stream, int Index), ManifestChunk> _files;
    private readonly Dictionary<(string Stream, int Index), ManifestMissingChunk> _missing;

    /// <summary>
    /// Read and decode buffers. A pool of the source's own, not <see cref="ArrayPool{T}.Shared"/>: chunks are megabytes, and the
    /// shared pool gives its large arrays up at every full collection, so an export would keep allocating and zeroing new ones.
    /// </summary>
    private readonly ArrayPool<byte> _buffers = ArrayPool<byte>.Create(maxArrayLength: 64 * 1024 * 1024, maxArraysPerBucket: 16);

    /// <exception cref="InvalidDataException">the folder has no readable manifest.</exception>
    public PulledFolderSessionSource(string folder)
    {
        _folder = folder;
        var manifest = PulledSessionManifest.Load(folder);
        Manifest = manifest;
        var s = manifest.Session;
        var session = new Session(s.Id, s.Name, s.Operator, s.Tags, new RigTime(s.StartNs), s.StopNs == 0 ? null : new RigTime(s.StopNs),
            Enum.Parse<SessionState>(s.State, ignoreCase: true), s.Rig) { StopReason = s.StopReason };
        Record = new SessionRecord(session,
            manifest.Streams.Select(x => x.ToDescriptor()).ToList(),
            manifest.Counts.ToDictionary(kv => kv.Key, kv => new StreamCounts(kv.Value.Produced, kv.Value.Recorded, kv.Value.Dropped, kv.Value.SensorGaps)),
            manifest.Markers.Select(m => new Marker(new RigTime(m.TimeNs), m.Label, m.Note, m.Source)).ToList(),
            manifest.Chunks.Count + manifest.Missing.Count, manifest.Chunks.Sum(c => (long)c.StoredLength))
        {
            QaReportJson = File.Exists(Path.Combine(folder, SessionAttachment.QaReportName)) ? File.ReadAllText(Path.Combine(folder, SessionAttachment.QaReportName)) : "",
        };
        Chunks = manifest.Chunks.Select(c => c.ToChunkInfo()).Concat(manifest.Missing.Select(m => m.ToChunkInfo()))
            .OrderBy(c => c.Stream.Value, StringComparer.Ordinal).ThenBy(c => c.Index).ToList();
        _files = manifest.Chunks.ToDictionary(c => (c.Stream, c.Index));
        _missing = manifest.Missing.ToDictionary(c => (c.Stream, c.Index));
    }

    /// <summary>The folder's manifest as loaded.</summary>
    public PulledSessionManifest Manifest { get; }

    public SessionRecord Record { get; }

    public IReadOnlyList<ChunkInfo> Chunks { get; }

    /// <summary>Chunks are files and the buffers come from a thread-safe pool: any number of reads may run at once.</summary>
    public bool ReadsConcurrently => true;

    public bool TryReadChunk(ChunkInfo chunk, [NotNullWhen(true)] out IReadOnlyList<Sample>? samples, [NotNullWhen(false)] out ChunkProblem? problem)
    {
        samples = null;
        if (!TryReadVerified(chunk, out var stored, out int length, out problem)) return false;
        try
        {
            // Decode copies the raw block into an array of the samples' own, so the read buffer can go back at once
            return TryDecode(chunk, () => ChunkFormat.Decode(chunk, stored.AsSpan(0, length)), out samples, out problem);
        }
        finally
        {
            _buffers.Return(stored);
        }
    }

    /// <summary>
    /// The chunk decoded in place: the payloads point into the buffer the file was read into (or, for an LZ4 chunk, the one it
    /// was decompressed into), both from this source's pool, which get them back when the lease is disposed.
    /// </summary>
    public bool TryLeaseChunk(ChunkInfo chunk, [NotNullWhen(true)] out ChunkLease? lease, [NotNullWhen(false)] out ChunkProblem? problem)
    {
        lease = null;
        if (!TryReadVerified(chunk, out var stored, out int length, out problem)) return false;
        byte[]? block = null;
        void Release()
        {
            _buffers.Return(stored);
            if (block is not null) _buffers.Return(block);
        }
        if (!TryDecode(chunk, () => ChunkFormat.DecodeInPlace(chunk, stored.AsMemory(0, length), _buffers, out block, sha256Verified: true), out var samples, out problem))
        {
            Release();
            return false;
        }
        lease = new ChunkLease(samples, Release);
        return true;
    }

    /// <summary>The chunk's file in a buffer of <see cref="_buffers"/> (the caller returns it) once its SHA-256 matches the manifest.</summary>
    private bool TryReadVerified(ChunkInfo chunk, [NotNullWhen(true)] out byte[]? stored, out int length, [NotNullWhen(false)] out ChunkProblem? problem)
    {
        stored = null;
        length = 0;
        if (_missing.TryGetValue((chunk.Stream.Value, chunk.Index), out var lost))
        {
            problem = new ChunkProblem(lost.Stream, lost.Index, lost.Kind == "missing" ? ChunkProblemKind.Missing : ChunkProblemKind.Corrupt,
                $"not pulled, damaged on the rig: {lost.Reason}");
            return false;
        }
        var entry = _files[(chunk.Stream.Value, chunk.Index)];
        string path = Path.Combine(_folder, entry.File);
        string sha;
        try { (stored, length, sha) = ReadHashed(path); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            problem = new ChunkProblem(entry.Stream, entry.Index, ChunkProblemKind.Missing, $"{entry.File} does not exist");
            return false;
        }
        if (sha != entry.Sha256)
        {
            _buffers.Return(stored);
            stored = null;
            problem = new ChunkProblem(entry.Stream, entry.Index, ChunkProblemKind.Corrupt, $"{entry.File}: SHA-256 {sha} does not match {entry.Sha256}");
            return false;
        }
        problem = null;
        return true;
    }

    /// <summary>The decoded samples if they decode and are as many as the index says; else the problem naming the chunk.</summary>
    private static bool TryDecode(ChunkInfo chunk, Func<IReadOnlyList<Sample>> decode, [NotNullWhen(true)] out IReadOnlyList<Sample>? samples,
        [NotNullWhen(false)] out ChunkProblem? problem)
    {
        samples = null;
        string reason;
        try
        {
            var decoded = decode();
            if (decoded.Count == chunk.Count)
            {
                (samples, problem) = (decoded, null);
                return true;
            }
            reason = $"{decoded.Count} samples decoded, index says {chunk.Count}";
        }
        catch (CorruptChunkException e)
        {
            reason = e.Message;
        }
        problem = new ChunkProblem(chunk.Stream.Value, chunk.Index, ChunkProblemKind.Corrupt, reason);
        return false;
    }

    /// <summary>Bytes read per step of <see cref="ReadHashed"/>: small enough to be hashed while still in the CPU cache.</summary>
    private const int ReadBlock = 256 * 1024;

    /// <summary>
    /// The whole file in a buffer rented from <see cref="_buffers"/> (the caller returns it), its length, and its SHA-256
    /// (lower-case hex), hashed block by block as it is read: one pass over the bytes, and no fresh large array per chunk.
    /// </summary>
    private (byte[] Buffer, int Length, string Sha256) ReadHashed(string path)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        long fileLength = RandomAccess.GetLength(file);
        if (fileLength > Array.MaxLength) throw new IOException($"{path}: {fileLength} bytes is too large for a chunk");
        var buffer = _buffers.Rent((int)fileLength);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        int at = 0;
        while (at < fileLength)
        {
            int n = RandomAccess.Read(file, buffer.AsSpan(at, Math.Min(ReadBlock, (int)fileLength - at)), at);
            if (n == 0) break; // the file shrank while being read: hash and decode what is there
            sha.AppendData(buffer.AsSpan(at, n));
            at += n;
        }
        return (buffer, at, Convert.ToHexStringLower(sha.GetHashAndReset()));
    }
}
