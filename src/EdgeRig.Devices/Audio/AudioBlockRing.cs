namespace EdgeRig.Devices.Audio;

/// <summary>
/// A single-producer single-consumer ring of fixed-size audio blocks, allocated once and pinned, so the
/// PortAudio callback copies into it without allocating, locking or waiting. A block that finds the ring full
/// is dropped and counted (the callback must never block); its frames then show as a gap in sensor time.
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

    /// <summary>Producer side (the audio callback): copies one block in; false (and counted) when the ring is full.</summary>
    public unsafe bool TryWrite(byte* source, int length, long firstFrame, long hostNs)
    {
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
        if (tail == Volatile.Read(ref _head))
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
