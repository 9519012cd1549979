using System.Buffers.Binary;
using EdgeRig.Core;
using EdgeRig.Formats;
using Microsoft.Win32.SafeHandles;

namespace EdgeRig.Storage.Durability;

/// <summary>
/// An append-only file of records, each framed as "ERJ1", uint32 length, uint32 CRC-32C of the payload, then the payload
/// (little-endian). A record is acknowledged once <see cref="Append"/> with <c>sync</c> returns (fdatasync; the file's
/// directory entry is synced when the file is created). Reading stops at nothing: a damaged record is skipped and the scan
/// resumes at the next frame whose CRC holds; a torn last record (a power cut mid-append) is cut off when the log is opened
/// for appending.
/// </summary>
public sealed class RecordLog : IDisposable
{
    public const int FrameHeaderSize = 12;
    private static ReadOnlySpan<byte> Magic => "ERJ1"u8;
    private const int MaxRecord = 64 << 20;
    private readonly SafeFileHandle _handle;
    private readonly FileLayer _files;
    private readonly object _gate = new();
    private long _length;

    private RecordLog(string path, SafeFileHandle handle, long length, FileLayer files)
    {
        Path = path;
        _handle = handle;
        _length = length;
        _files = files;
    }

    public string Path { get; }

    /// <summary>Opens (or creates, durably) a log for appending; returns it with the records it holds.</summary>
    public static (RecordLog Log, LogContents Contents) Open(string path, FileLayer? files = null)
    {
        files ??= FileLayer.Os;
        bool existed = File.Exists(path);
        var handle = files.Open(path, create: true);
        try
        {
            var contents = Scan(handle, path);
            if (contents.End < RandomAccess.GetLength(handle))
            {
                // a torn tail: bytes after the last whole record were never acknowledged
                files.SetLength(handle, path, contents.End);
                files.Flush(handle, path);
            }
            if (!existed)
            {
                files.Flush(handle, path);
                files.SyncDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
            }
            return (new RecordLog(path, handle, contents.End, files), contents);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Reads every whole record of a log without opening it for writing.</summary>
    public static LogContents Read(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return Scan(handle, path);
    }

    /// <summary>Appends one record; with <paramref name="sync"/> it is durable when this returns.</summary>
    /// <exception cref="StorageFullException">the disk is full: nothing was appended.</exception>
    public void Append(ReadOnlySpan<byte> payload, bool sync) => AppendMany([payload.ToArray()], sync);

    /// <summary>Appends records in one write; with <paramref name="sync"/> they are durable when this returns.</summary>
    public void AppendMany(IReadOnlyList<byte[]> payloads, bool sync)
    {
        if (payloads.Count == 0) { if (sync) Sync(); return; }
        int total = payloads.Sum(p => FrameHeaderSize + p.Length);
        var frame = new byte[total];
        int at = 0;
        foreach (var payload in payloads)
        {
            if (payload.Length > MaxRecord) throw new ArgumentException($"a record of {payload.Length} bytes exceeds the {MaxRecord >> 20} MiB limit of {Path}");
            Magic.CopyTo(frame.AsSpan(at));
            BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(at + 4), (uint)payload.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(at + 8), Crc32C.Compute(payload));
            payload.CopyTo(frame.AsSpan(at + FrameHeaderSize));
            at += FrameHeaderSize + payload.Length;
        }
        lock (_gate)
        {
            long start = _length;
            try
            {
                _files.Write(_handle, Path, frame, start);
                if (sync) _files.Flush(_handle, Path);
            }
            catch (IOException e)
            {
                try { _files.SetLength(_handle, Path, start); } catch (IOException) { /* the next open cuts the torn record */ }
                if (StorageErrors.IsDiskFull(e)) throw new StorageFullException($"the data disk is full: cannot write {Path} ({e.Message})");
                throw;
            }
            _length = start + total;
        }
    }

    /// <summary>Makes every appended record durable.</summary>
    public void Sync()
    {
        lock (_gate) _files.Flush(_handle, Path);
    }

    public long Length => _length;

    public void Dispose() => _handle.Dispose();

    private static LogContents Scan(SafeFileHandle handle, string path)
    {
        long length = RandomAccess.GetLength(handle);
        var records = new List<byte[]>();
        var damaged = new List<(long From, long To)>();
        var header = new byte[FrameHeaderSize];
        long at = 0, end = 0, damageStart = -1;
        while (at + FrameHeaderSize <= length)
        {
            byte[]? payload = null;
            if (RandomAccess.Read(handle, header, at) == FrameHeaderSize && header.AsSpan(0, 4).SequenceEqual(Magic))
            {
                uint size = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4));
                uint crc = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(8));
                if (size <= MaxRecord && at + FrameHeaderSize + size <= length)
                {
                    var candidate = new byte[size];
                    if (RandomAccess.Read(handle, candidate, at + FrameHeaderSize) == size && Crc32C.Compute(candidate) == crc) payload = candidate;
                }
            }
            if (payload is null)
            {
                // damaged or torn: look for the next whole record
                if (damageStart < 0) damageStart = at;
                at = NextMagic(handle, at + 1, length, Magic);
                continue;
            }
            if (damageStart >= 0) { damaged.Add((damageStart, at)); damageStart = -1; }
            records.Add(payload);
            at += FrameHeaderSize + payload.Length;
            end = at;
        }
        // whatever follows the last whole record is a torn append: not part of the log
        return new LogContents(path, records, damaged, end);
    }

    /// <summary>Where <paramref name="magic"/> next occurs at or after <paramref name="from"/> (resyncing after damage), else the length.</summary>
    internal static long NextMagic(SafeFileHandle handle, long from, long length, ReadOnlySpan<byte> magic)
    {
        var buffer = new byte[256 * 1024];
        for (long at = from; at < length; at += buffer.Length - (magic.Length - 1))
        {
            int n = RandomAccess.Read(handle, buffer, at);
            if (n < magic.Length) break;
            int i = buffer.AsSpan(0, n).IndexOf(magic);
            if (i >= 0) return at + i;
        }
        return length;
    }
}

/// <summary>The whole records of a log, the byte ranges skipped as damaged, and where the last whole record ends.</summary>
public sealed record LogContents(string Path, IReadOnlyList<byte[]> Records, IReadOnlyList<(long From, long To)> Damaged, long End);

/// <summary>How a failed write tells a full disk.</summary>
public static class StorageErrors
{
    /// <summary>ENOSPC (or EDQUOT) from any file operation.</summary>
    public static bool IsDiskFull(IOException e) =>
        e.HResult is 28 or 122 || e.Message.Contains("No space left", StringComparison.Ordinal) || e.Message.Contains("quota", StringComparison.OrdinalIgnoreCase);
}
