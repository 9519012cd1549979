using System.Buffers.Binary;
using EdgeRig.Core;
using EdgeRig.Formats;
using EdgeRig.Storage.Durability;
using Microsoft.Win32.SafeHandles;

namespace EdgeRig.Storage;

/// <summary>
/// A session's append-only segment file (sessions/ID.seg) of chunk bytes, the data of record. Each chunk is a frame:
/// "ERS2", uint32 meta length, uint32 data length, uint32 CRC-32C of the meta, uint32 CRC-32C of the data, uint32 CRC-32C of
/// the previous 20 bytes, then the meta (the chunk's index entry as BSON: stream, index, sequence and time range, codec,
/// lengths, plain CRC) and the data. So the file alone rebuilds its index (<see cref="Scan"/>). Appends are fdatasync'd before
/// the call returns. Files written before frames carried their meta ("ERS1": magic, length, CRC, data) stay readable
/// through their index.
/// </summary>
internal sealed class SegmentFile : IDisposable
{
    public const int FrameHeaderSize = 24;
    public const int LegacyFrameHeaderSize = 12;
    private static ReadOnlySpan<byte> Magic => "ERS2"u8;
    private const int MaxMeta = 1 << 20;
    private readonly SafeFileHandle _handle;
    private readonly FileLayer _files;
    private long _length;

    public SegmentFile(string path, FileLayer? files = null)
    {
        Path = path;
        _files = files ?? FileLayer.Os;
        _handle = _files.Open(path, create: true);
        _length = RandomAccess.GetLength(_handle);
    }

    public string Path { get; }
    public long Length => _length;

    /// <summary>One frame found by a scan: where it starts, where its data starts, its meta and data CRC.</summary>
    public sealed record Frame(long FrameOffset, long DataOffset, int DataLength, uint DataCrc, byte[] Meta)
    {
        public long End => DataOffset + DataLength;
    }

    /// <summary>Appends the chunks in one gather write and makes them durable; returns each chunk's frame and data offsets.</summary>
    public (long Frame, long Data)[] Append(IReadOnlyList<(byte[] Meta, IReadOnlyList<ReadOnlyMemory<byte>> Pieces, int Length, uint Crc)> chunks)
    {
        var buffers = new List<ReadOnlyMemory<byte>>();
        var offsets = new (long, long)[chunks.Count];
        long at = _length;
        for (int i = 0; i < chunks.Count; i++)
        {
            var (meta, pieces, length, crc) = chunks[i];
            var header = new byte[FrameHeaderSize];
            Magic.CopyTo(header);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), (uint)meta.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), (uint)length);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(12), Crc32C.Compute(meta));
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(16), crc);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(20), Crc32C.Compute(header.AsSpan(0, 20)));
            buffers.Add(header);
            buffers.Add(meta);
            buffers.AddRange(pieces);
            offsets[i] = (at, at + FrameHeaderSize + meta.Length);
            at += FrameHeaderSize + meta.Length + length;
        }
        long start = _length;
        try
        {
            _files.Write(_handle, Path, buffers, start);
            _files.Flush(_handle, Path);
        }
        catch (IOException e)
        {
            TryTruncate(start);
            if (StorageErrors.IsDiskFull(e)) throw new StorageFullException($"the data disk is full ({e.Message})");
            throw;
        }
        _length = at;
        return offsets;
    }

    /// <summary>
    /// Reads the frames from <paramref name="from"/> on. A frame whose header, meta or (where <paramref name="checkData"/> says so
    /// for its data offset) data fails its CRC is skipped and reported in <paramref name="damaged"/>; the scan resumes at the
    /// next whole frame.
    /// </summary>
    public List<Frame> Scan(long from, Func<long, bool> checkData, List<(long From, long To)> damaged)
    {
        var frames = new List<Frame>();
        var header = new byte[FrameHeaderSize];
        long at = from, damageStart = -1;
        while (at + FrameHeaderSize <= _length)
        {
            var frame = TryReadFrame(at, header, checkData);
            if (frame is null)
            {
                if (damageStart < 0) damageStart = at;
                at = RecordLog.NextMagic(_handle, at + 1, _length, Magic);
                continue;
            }
            if (damageStart >= 0) { damaged.Add((damageStart, at)); damageStart = -1; }
            frames.Add(frame);
            at = frame.End;
        }
        if (damageStart >= 0) damaged.Add((damageStart, _length));
        return frames;
    }

    private Frame? TryReadFrame(long at, byte[] header, Func<long, bool> checkData)
    {
        if (RandomAccess.Read(_handle, header, at) != FrameHeaderSize || !header.AsSpan(0, 4).SequenceEqual(Magic)) return null;
        if (Crc32C.Compute(header.AsSpan(0, 20)) != BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(20))) return null;
        uint metaLength = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4));
        uint dataLength = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(8));
        uint dataCrc = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(16));
        long dataOffset = at + FrameHeaderSize + metaLength;
        if (metaLength > MaxMeta || dataLength > int.MaxValue || dataOffset + dataLength > _length) return null;
        var meta = new byte[metaLength];
        if (RandomAccess.Read(_handle, meta, at + FrameHeaderSize) != metaLength) return null;
        if (Crc32C.Compute(meta) != BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(12))) return null;
        if (checkData(dataOffset))
        {
            var data = new byte[dataLength];
            if (RandomAccess.Read(_handle, data, dataOffset) != dataLength || Crc32C.Compute(data) != dataCrc) return null;
        }
        return new Frame(at, dataOffset, (int)dataLength, dataCrc, meta);
    }


    /// <summary>Reads <paramref name="into"/>.Length bytes at <paramref name="offset"/> (a chunk's data, as its index says).</summary>
    public void Read(long offset, Span<byte> into)
    {
        if (offset < LegacyFrameHeaderSize || offset + into.Length > _length)
            throw new IOException($"{Path}: chunk at {offset}+{into.Length} lies outside the segment ({_length} bytes)");
        int read = RandomAccess.Read(_handle, into, offset);
        if (read != into.Length) throw new IOException($"{Path}: read {read} of {into.Length} bytes at {offset}");
    }

    /// <summary>Overwrites a range with zeros (secure erase of purged chunks); call <see cref="Flush"/> to make it durable.</summary>
    public void Erase(long offset, long length)
    {
        if (offset < 0 || offset + length > _length) throw new IOException($"{Path}: erase of {offset}+{length} lies outside the segment ({_length} bytes)");
        var zeros = new byte[(int)Math.Min(length, 1 << 20)];
        for (long done = 0; done < length; done += zeros.Length)
            _files.Write(_handle, Path, zeros.AsSpan(0, (int)Math.Min(zeros.Length, length - done)), offset + done);
    }

    public void Flush() => _files.Flush(_handle, Path);

    /// <summary>Cuts off bytes past <paramref name="length"/> (a torn append that holds no whole frame), durably.</summary>
    public void TruncateTo(long length)
    {
        if (length >= _length) return;
        TryTruncate(length);
        _files.Flush(_handle, Path);
    }

    private void TryTruncate(long length)
    {
        try
        {
            _files.SetLength(_handle, Path, length);
            _length = length;
        }
        catch (IOException) { /* the next append writes over it; the index never points there */ }
    }

    public void Dispose() => _handle.Dispose();
}
