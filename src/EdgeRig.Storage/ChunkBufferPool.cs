namespace EdgeRig.Storage;

/// <summary>
/// Buffers for reading whole chunks (the pull's reads). ArrayPool's own pools round every size up to a power of two and keep
/// arrays per size: chunks of 1-4 MiB (a camera's chunk can pass maxChunkBytes by one frame) then hold 2, 4 and 8 MiB
/// arrays, 14 MiB for one pull at a time (the large-object heap grew by that at the first pull of scripts/bench
/// service-soak, dotnet-counters). This pool keeps at most
/// <c>keep</c> arrays of any size and lends the smallest that fits, so one reader holds one array about the size of the
/// largest chunk it read.
/// </summary>
internal sealed class ChunkBufferPool(int keep) : System.Buffers.ArrayPool<byte>
{
    /// <summary>Sizes are rounded up to this, so a reader's next, slightly larger chunk usually fits the array it had.</summary>
    public const int Granularity = 256 * 1024;

    private readonly List<byte[]> _free = new(keep);

    public override byte[] Rent(int minimumLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(minimumLength);
        lock (_free)
        {
            int best = -1;
            for (int i = 0; i < _free.Count; i++)
                if (_free[i].Length >= minimumLength && (best < 0 || _free[i].Length < _free[best].Length)) best = i;
            if (best >= 0)
            {
                var array = _free[best];
                _free.RemoveAt(best);
                return array;
            }
        }
        long rounded = (minimumLength + (long)Granularity - 1) / Granularity * Granularity;
        return GC.AllocateUninitializedArray<byte>((int)Math.Min(rounded, Array.MaxLength));
    }

    public override void Return(byte[] array, bool clearArray = false)
    {
        ArgumentNullException.ThrowIfNull(array);
        if (clearArray) Array.Clear(array);
        lock (_free)
        {
            if (_free.Any(a => ReferenceEquals(a, array))) throw new InvalidOperationException("this buffer was given back twice");
            if (_free.Count < keep) { _free.Add(array); return; }
            // full: keep the larger arrays (they fit every chunk the smaller ones fit), drop the smallest
            int smallest = 0;
            for (int i = 1; i < _free.Count; i++) if (_free[i].Length < _free[smallest].Length) smallest = i;
            if (_free[smallest].Length < array.Length) _free[smallest] = array;
        }
    }

    /// <summary>Bytes held for lending now (for tests and diagnostics).</summary>
    public long HeldBytes
    {
        get { lock (_free) return _free.Sum(a => (long)a.Length); }
    }
}
