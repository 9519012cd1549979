using System.Buffers.Binary;
using EdgeRig.Core;
using Microsoft.Win32.SafeHandles;

namespace EdgeRig.Storage;

/// <summary>
/// A session's append-only segment file (sessions/ID.seg) of chunk bytes. Each chunk is framed as
/// "ERS1", uint32 stored length, uint32 CRC-32C, then the bytes, so the file can be scanned without its
/// index. Appends are written and fdatasync'd before the LiteDB index that points at them commits; bytes past
/// the last indexed chunk (a crash between the two) are cut off when the session is opened again.
/// </summary>
internal sealed class SegmentFile : IDisposable
{
    public const int FrameHeaderSize = 12;
    private static ReadOnlySpan<byte> Magic => "ERS1"u8;
    private readonly SafeFileHandle _handle;
    private long _length;

    public SegmentFile(string path)
    {
        Path = path;
        _handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        _length = RandomAccess.GetLength(_handle);
    }

    public string Path { get; }
    public long Length => _length;

    /// <summary>Appends the chunks in one gather write and makes them durable; returns each chunk's data offset.</summary>
    public long[] Append(IReadOnlyList<(IReadOnlyList<ReadOnlyMemory<byte>> Pieces, int Length, uint Crc)> chunks)
    {
        var buffers = new List<ReadOnlyMemory<byte>>();
        var offsets = new long[chunks.Count];
        long at = _length;
        for (int i = 0; i < chunks.Count; i++)
        {
            var (pieces, length, crc) = chunks[i];
            var frame = new byte[FrameHeaderSize];
            Magic.CopyTo(frame);
            BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(4), (uint)length);
            BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(8), crc);
            buffers.Add(frame);
            buffers.AddRange(pieces);
            offsets[i] = at + FrameHeaderSize;
            at += FrameHeaderSize + length;
        }
        long start = _length;
        try
        {
            RandomAccess.Write(_handle, buffers, start);
            RandomAccess.FlushToDisk(_handle);
        }
        catch (IOException e)
        {
            TryTruncate(start);
            if (e.HResult == 28 || e.Message.Contains("No space left", StringComparison.Ordinal))
                throw new StorageFullException($"the data disk is full ({e.Message})");
            throw;
        }
        _length = at;
        return offsets;
    }

    public byte[] Read(long offset, int length)
    {
        if (offset < FrameHeaderSize || offset + length > _length)
            throw new IOException($"{Path}: chunk at {offset}+{length} lies outside the segment ({_length} bytes)");
        var bytes = new byte[length];
        int read = RandomAccess.Read(_handle, bytes, offset);
        if (read != length) throw new IOException($"{Path}: read {read} of {length} bytes at {offset}");
        return bytes;
    }

    /// <summary>Overwrites a range with zeros (secure erase of purged chunks); call <see cref="Flush"/> to make it durable.</summary>
    public void Erase(long offset, int length)
    {
        if (offset < 0 || offset + length > _length) throw new IOException($"{Path}: erase of {offset}+{length} lies outside the segment ({_length} bytes)");
        var zeros = new byte[Math.Min(length, 1 << 20)];
        for (int done = 0; done < length; done += zeros.Length)
            RandomAccess.Write(_handle, zeros.AsSpan(0, Math.Min(zeros.Length, length - done)), offset + done);
    }

    public void Flush() => RandomAccess.FlushToDisk(_handle);

    /// <summary>Cuts off bytes past <paramref name="length"/> (an append whose index never committed).</summary>
    public void TruncateTo(long length)
    {
        if (length < _length) TryTruncate(length);
    }

    private void TryTruncate(long length)
    {
        try
        {
            RandomAccess.SetLength(_handle, length);
            _length = length;
        }
        catch (IOException) { /* the next append writes over it; the index never points there */ }
    }

    public void Dispose() => _handle.Dispose();
}
