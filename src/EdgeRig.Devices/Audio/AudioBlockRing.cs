namespace EdgeRig.Devices.Audio;

/// <summary>
/// A single-producer single-consumer ring of fixed-size audio blocks, allocated once and pinned, so the
/// PortAudio callback copies into it without allocating, locking or waiting. A block that finds the ring full
/// is dropped and counted (the callback must never block); its frames then show as a gap in sensor time.
/// Each PortAudio stream gets a ring of its own, so a stream that is closed (or abandoned mid-abort) can never put
/// its blocks in front of the next stream's: <see cref="Close"/> makes the ring refuse every later write.
/// </summary>
public sealed class AudioBlockRing
{
    private readonly byte[] _data;
    private readonly long[] _firstFrame;
    private readonly long[] _hostNs;
    private long _head; // next block the producer writes
    private long _tail; // next block the consumer reads

    public AudioBlockRing(int blockBytes, int capacityBlocks)
    {
        BlockBytes = blockBytes;
        Capacity = capacityBlocks;
        _data = GC.AllocateUninitializedArray<byte>(blockBytes * capacityBlocks, pinned: true);
        _firstFrame = new long[capacityBlocks];
        _hostNs = new long[capacityBlocks];
    }

    public int BlockBytes { get; }
    public int Capacity { get; }

    /// <summary>Blocks dropped because the consumer fell a whole ring behind.</summary>
    public long Overflows => Volatile.Read(ref _overflows);
    private long _overflows;

    /// <summary>True once <see cref="Close"/> was called: the ring's stream is gone and nothing more is written.</summary>
    public bool IsClosed => Volatile.Read(ref _closed);
    private bool _closed;

    /// <summary>Ends the ring's stream: later writes are refused (not counted) and unread blocks are never read.</summary>
    public void Close() => Volatile.Write(ref _closed, true);

    /// <summary>
    /// Producer side (the audio callback): copies one block in; false when the ring is closed, or full (counted).
    /// </summary>
    public unsafe bool TryWrite(byte* source, int length, long firstFrame, long hostNs)
    {
        if (Volatile.Read(ref _closed)) return false;
        long head = _head;
        if (head - Volatile.Read(ref _tail) >= Capacity || length > BlockBytes)
        {
            Interlocked.Increment(ref _overflows);
            return false;
        }
        int slot = (int)(head % Capacity);
        new ReadOnlySpan<byte>(source, length).CopyTo(_data.AsSpan(slot * BlockBytes, BlockBytes));
        _firstFrame[slot] = firstFrame;
        _hostNs[slot] = hostNs;
        Volatile.Write(ref _head, head + 1);
        return true;
    }

    /// <summary>Consumer side: copies the oldest block out (a new array: it becomes a sample's payload).</summary>
    public bool TryRead(out byte[] block, out long firstFrame, out long hostNs)
    {
        long tail = _tail;
        if (tail == Volatile.Read(ref _head) || Volatile.Read(ref _closed))
        {
            (block, firstFrame, hostNs) = ([], 0, 0);
            return false;
        }
        int slot = (int)(tail % Capacity);
        block = _data.AsSpan(slot * BlockBytes, BlockBytes).ToArray();
        firstFrame = _firstFrame[slot];
        hostNs = _hostNs[slot];
        Volatile.Write(ref _tail, tail + 1);
        return true;
    }
}
