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

    public bool TryReadChunk(ChunkInfo chunk, [NotNullWhen(true)] out IReadOnlyList<Sample>? samples, [NotNullWhen(false)] out ChunkProblem? problem)
    {
        samples = null;
        if (_missing.TryGetValue((chunk.Stream.Value, chunk.Index), out var lost))
        {
            problem = new ChunkProblem(lost.Stream, lost.Index, lost.Kind == "missing" ? ChunkProblemKind.Missing : ChunkProblemKind.Corrupt,
                $"not pulled, damaged on the rig: {lost.Reason}");
            return false;
        }
        var entry = _files[(chunk.Stream.Value, chunk.Index)];
        string path = Path.Combine(_folder, entry.File);
        byte[] stored;
        string sha;
        try { (stored, sha) = ReadHashed(path); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            problem = new ChunkProblem(entry.Stream, entry.Index, ChunkProblemKind.Missing, $"{entry.File} does not exist");
            return false;
        }
        if (sha != entry.Sha256)
        {
            problem = new ChunkProblem(entry.Stream, entry.Index, ChunkProblemKind.Corrupt, $"{entry.File}: SHA-256 {sha} does not match {entry.Sha256}");
            return false;
        }
        return ChunkDecoding.TryDecode(chunk, stored, out samples, out problem);
    }

    /// <summary>Bytes read per step of <see cref="ReadHashed"/>: small enough to be hashed while still in the CPU cache.</summary>
    private const int ReadBlock = 256 * 1024;

    /// <summary>The whole file and its SHA-256 (lower-case hex), hashed block by block as it is read: one pass over the bytes.</summary>
    private static (byte[] Bytes, string Sha256) ReadHashed(string path)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        long length = RandomAccess.GetLength(file);
        if (length > Array.MaxLength) throw new IOException($"{path}: {length} bytes is too large for a chunk");
        var bytes = GC.AllocateUninitializedArray<byte>((int)length);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        int at = 0;
        while (at < bytes.Length)
        {
            int n = RandomAccess.Read(file, bytes.AsSpan(at, Math.Min(ReadBlock, bytes.Length - at)), at);
            if (n == 0) break;
            sha.AppendData(bytes.AsSpan(at, n));
            at += n;
        }
        if (at < bytes.Length) Array.Resize(ref bytes, at); // the file shrank while being read: hash and decode what is there
        return (bytes, Convert.ToHexStringLower(sha.GetHashAndReset()));
    }
}
