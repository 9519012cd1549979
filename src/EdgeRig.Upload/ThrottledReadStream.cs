namespace EdgeRig.Upload;

/// <summary>
/// A read-only view of a byte range that lets bytes out no faster than a <see cref="TokenBucket"/> allows. Bytes read again
/// after a seek back (the SDK hashing a body before sending it over http) are not charged twice.
/// </summary>
internal sealed class ThrottledReadStream(ReadOnlyMemory<byte> content, TokenBucket? bucket) : Stream
{
    private long position, charged;

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => content.Length;

    public override long Position
    {
        get => position;
        set => position = Math.Clamp(value, 0, content.Length);
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        int n = (int)Math.Min(buffer.Length, content.Length - position);
        if (n <= 0) return 0;
        if (bucket is not null)
        {
            n = Math.Min(n, bucket.MaxTake);
            long fresh = position + n - charged;
            if (fresh > 0) { await bucket.TakeAsync((int)fresh, ct).ConfigureAwait(false); charged += fresh; }
        }
        content.Span.Slice((int)position, n).CopyTo(buffer.Span);
        position += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
        ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => position + offset,
        _ => content.Length + offset,
    };

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
