using EdgeRig.Core;

namespace EdgeRig.Devices.Camera.V4l2;

/// <summary>
/// One dequeued capture buffer: which buffer, how many bytes it holds, the kernel's frame count and buffer time, and the
/// flags that say what the time means (<see cref="MonotonicClock"/>, <see cref="StartOfExposure"/>).
/// </summary>
public readonly record struct V4l2Frame(int Index, int BytesUsed, uint Sequence, long TimestampNs, uint Flags)
{
    /// <summary>The time is CLOCK_MONOTONIC (V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC), the host-time domain.</summary>
    public bool MonotonicClock => (Flags & V4l2Abi.BufFlagTimestampMask) == V4l2Abi.BufFlagTimestampMonotonic;

    /// <summary>The time marks the start of exposure (TSTAMP_SRC_SOE), not the end of the frame (EOF).</summary>
    public bool StartOfExposure => (Flags & V4l2Abi.BufFlagTimestampSourceMask) == V4l2Abi.BufFlagTimestampSourceSoe;

    /// <summary>The driver marked the data as damaged (V4L2_BUF_FLAG_ERROR).</summary>
    public bool Damaged => (Flags & V4l2Abi.BufFlagError) != 0;
}

/// <summary>
/// Memory-mapped streaming on a configured device: REQBUFS, QUERYBUF + mmap and QBUF of every buffer, STREAMON; then
/// poll + DQBUF frames and QBUF them back. Dispose stops streaming (STREAMOFF), unmaps and frees the buffers.
/// </summary>
public sealed class V4l2BufferQueue : IDisposable
{
    private readonly V4l2Device _device;
    private readonly (nint Address, int Length)[] _buffers;
    private bool _streaming;

    /// <exception cref="V4l2DeviceException">a call failed or the driver gave no buffers.</exception>
    public V4l2BufferQueue(V4l2Device device, int bufferCount)
    {
        _device = device;
        var request = new V4l2RequestBuffers { Count = (uint)bufferCount, Type = V4l2Abi.BufTypeVideoCapture, Memory = V4l2Abi.MemoryMmap };
        device.Call(V4l2Abi.RequestBuffers, ref request, "VIDIOC_REQBUFS");
        if (request.Count == 0) throw new V4l2DeviceException(device.Path, "VIDIOC_REQBUFS gave no buffers");
        _buffers = new (nint, int)[request.Count];
        try
        {
            for (uint i = 0; i < request.Count; i++)
            {
                var b = Buffer(i);
                device.Call(V4l2Abi.QueryBuffer, ref b, $"VIDIOC_QUERYBUF {i}");
                if (i == 0) QueuedFlags = b.Flags;
                int errno = device.Node.Map((int)b.Length, b.Offset, out nint address);
                if (errno != 0) throw new V4l2DeviceException(device.Path, $"mmap of buffer {i} ({b.Length} bytes)", errno);
                _buffers[i] = (address, (int)b.Length);
                Queue((int)i);
            }
            int type = (int)V4l2Abi.BufTypeVideoCapture;
            device.Call(V4l2Abi.StreamOn, ref type, "VIDIOC_STREAMON");
            _streaming = true;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The flags QUERYBUF reported before streaming: the queue's timestamp clock and source, known before any frame.</summary>
    public uint QueuedFlags { get; }

    public int Count => _buffers.Length;

    /// <summary>Waits up to <paramref name="timeoutMs"/> for a frame and dequeues it; false when none came (the device
    /// may be stalled or gone: ask the node whether it is still present).</summary>
    /// <exception cref="V4l2DeviceException">poll or DQBUF failed; <see cref="V4l2DeviceException.DeviceGone"/> for ENODEV/EIO.</exception>
    public bool TryDequeue(int timeoutMs, out V4l2Frame frame)
    {
        frame = default;
        int errno = _device.Node.Poll(timeoutMs, out short events);
        if (errno == Libc.EIntr) return false;
        if (errno != 0) throw new V4l2DeviceException(_device.Path, "poll", errno);
        if (events == 0) return false;
        var b = Buffer(0);
        errno = _device.Ioctl(V4l2Abi.DequeueBuffer, ref b);
        if (errno == Libc.EAgain && (events & (Libc.PollErr | Libc.PollHup | Libc.PollNval)) != 0)
            throw new V4l2DeviceException(_device.Path, $"poll reported an error or hang-up (revents 0x{events:x}) and no buffer is ready");
        if (errno == Libc.EAgain) return false; // woken without a filled buffer
        if (errno != 0) throw new V4l2DeviceException(_device.Path, "VIDIOC_DQBUF", errno);
        if (b.Index >= _buffers.Length || b.BytesUsed > _buffers[b.Index].Length)
            throw new V4l2DeviceException(_device.Path, $"VIDIOC_DQBUF returned buffer {b.Index} with {b.BytesUsed} bytes, outside the {_buffers.Length} mapped buffers");
        long ns = b.Timestamp.Seconds * 1_000_000_000 + b.Timestamp.Microseconds * 1000;
        frame = new V4l2Frame((int)b.Index, (int)b.BytesUsed, b.Sequence, ns, b.Flags);
        return true;
    }

    /// <summary>The bytes of a dequeued frame, valid until it is queued again.</summary>
    public unsafe ReadOnlySpan<byte> Data(in V4l2Frame frame) => new((void*)_buffers[frame.Index].Address, frame.BytesUsed);

    /// <summary>Gives a dequeued buffer back to the driver.</summary>
    public void Queue(int index)
    {
        var b = Buffer((uint)index);
        _device.Call(V4l2Abi.QueueBuffer, ref b, $"VIDIOC_QBUF {index}");
    }

    private static V4l2Buffer Buffer(uint index) => new() { Index = index, Type = V4l2Abi.BufTypeVideoCapture, Memory = V4l2Abi.MemoryMmap };

    /// <summary>STREAMOFF, munmap, REQBUFS 0; errors of a device already gone are ignored (the fd is closed next anyway).</summary>
    public void Dispose()
    {
        if (_streaming)
        {
            int type = (int)V4l2Abi.BufTypeVideoCapture;
            _device.Ioctl(V4l2Abi.StreamOff, ref type);
            _streaming = false;
        }
        for (int i = 0; i < _buffers.Length; i++)
        {
            if (_buffers[i].Address != 0) _device.Node.Unmap(_buffers[i].Address, _buffers[i].Length);
            _buffers[i] = default;
        }
        var free = new V4l2RequestBuffers { Count = 0, Type = V4l2Abi.BufTypeVideoCapture, Memory = V4l2Abi.MemoryMmap };
        _device.Ioctl(V4l2Abi.RequestBuffers, ref free);
    }
}
