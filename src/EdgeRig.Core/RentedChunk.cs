using System.Buffers;

namespace EdgeRig.Core;

/// <summary>
/// A chunk's stored bytes in a lent buffer. A pull reads every chunk of a session (1-4 MiB each, hundreds of MiB a
/// session) once to hash it and once to send it; a new array for each read is a large object (over the GC's 1 MiB region),
/// garbage that only a gen2 collection frees. <see cref="Dispose"/> gives the buffer back: <see cref="Memory"/> must not be
/// used after.
/// </summary>
public sealed class RentedChunk : IDisposable
{
    private byte[]? _array;
    private readonly ArrayPool<byte>? _pool;

    /// <summary>Bytes of an array of their own (nothing to give back).</summary>
    public RentedChunk(byte[] bytes) : this(bytes, bytes.Length, null) { }

    /// <summary>The first <paramref name="length"/> bytes of <paramref name="array"/>, returned to <paramref name="pool"/> (if any) on dispose.</summary>
    public RentedChunk(byte[] array, int length, ArrayPool<byte>? pool)
    {
        _array = array;
        Length = length;
        _pool = pool;
    }

    public int Length { get; }

    public ReadOnlyMemory<byte> Memory => (_array ?? throw new ObjectDisposedException(nameof(RentedChunk))).AsMemory(0, Length);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _array, null) is { } array) _pool?.Return(array);
    }
}
