using System.Buffers;
using System.Security.Cryptography;
using System.Threading.Channels;

namespace EdgeRig.Export.SessionMcap;

/// <summary>
/// A write-only pass-through stream that counts the bytes and computes their SHA-256. The hashing runs on a task of its own
/// (SHA-256 is the costliest step left in writing an export, and it need not hold up the next write): the bytes are copied
/// into pooled 1 MiB blocks, at most <see cref="MaxQueuedBlocks"/> waiting, which the hasher takes in order and gives back.
/// </summary>
internal sealed class HashingWriteStream : Stream
{
    private const int BlockSize = 1024 * 1024, MaxQueuedBlocks = 4;

    private readonly Stream _inner;
    private readonly Channel<(byte[] Block, int Length)> _blocks = Channel.CreateBounded<(byte[], int)>(
        new BoundedChannelOptions(MaxQueuedBlocks) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Task _hasher;
    private byte[]? _block;
    private int _filled;
    private long _written;
    private string? _sha256Hex;

    public HashingWriteStream(Stream inner)
    {
        _inner = inner;
        _hasher = Task.Run(HashBlocksAsync);
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _written;
    public override long Position { get => _written; set => throw new NotSupportedException(); }

    /// <summary>Lower-case hex SHA-256 of everything written; ends the hashing, so no writes may follow.</summary>
    public string Sha256Hex
    {
        get
        {
            if (_sha256Hex is null)
            {
                EndHashing();
                _sha256Hex = Convert.ToHexStringLower(_sha.GetHashAndReset());
            }
            return _sha256Hex;
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_sha256Hex is not null) throw new InvalidOperationException("the SHA-256 has been taken; nothing more may be written");
        _inner.Write(buffer);
        _written += buffer.Length;
        while (!buffer.IsEmpty)
        {
            _block ??= ArrayPool<byte>.Shared.Rent(BlockSize);
            int n = Math.Min(buffer.Length, BlockSize - _filled);
            buffer[..n].CopyTo(_block.AsSpan(_filled));
            _filled += n;
            buffer = buffer[n..];
            if (_filled == BlockSize) QueueBlock();
        }
    }

    public override void Flush() => _inner.Flush();
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            try
            {
                EndHashing();
            }
            catch (Exception)
            {
                // the export already failed or the hash was taken; Dispose only has to stop the hasher
            }
            _sha.Dispose();
        }
        base.Dispose(disposing);
    }

    private void QueueBlock()
    {
        var item = (_block!, _filled);
        (_block, _filled) = (null, 0);
        if (!_blocks.Writer.TryWrite(item))
            TaskWaits.WaitWithoutSpinning(_blocks.Writer.WriteAsync(item).AsTask());
    }

    /// <summary>Queues the partial block, lets the hasher finish and waits for it.</summary>
    private void EndHashing()
    {
        if (_filled > 0) QueueBlock();
        if (_block is not null)
        {
            ArrayPool<byte>.Shared.Return(_block);
            _block = null;
        }
        _blocks.Writer.TryComplete();
        TaskWaits.WaitWithoutSpinning(_hasher);
    }

    private async Task HashBlocksAsync()
    {
        await foreach (var (block, length) in _blocks.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            _sha.AppendData(block, 0, length);
            ArrayPool<byte>.Shared.Return(block);
        }
    }
}
