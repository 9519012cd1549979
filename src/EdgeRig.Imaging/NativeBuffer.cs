using System.Runtime.InteropServices;

namespace EdgeRig.Imaging;

/// <summary>Native memory for libjpeg-turbo to write into, grown on demand and reused: never a managed array, so the pages
/// past what is written are never touched and never resident (a managed array would be zeroed).</summary>
internal sealed unsafe class NativeBuffer : IDisposable
{
    private byte* _pointer;

    public nuint Capacity { get; private set; }

    /// <summary>At least <paramref name="bytes"/> bytes; the previous contents are not kept when it grows.</summary>
    public byte* Get(nuint bytes)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Capacity < bytes)
        {
            Free();
            _pointer = (byte*)NativeMemory.Alloc(bytes);
            Capacity = bytes;
        }
        return _pointer;
    }

    private bool _disposed;

    ~NativeBuffer() => Free();

    public void Dispose()
    {
        _disposed = true;
        Free();
        GC.SuppressFinalize(this);
    }

    private void Free()
    {
        NativeMemory.Free(_pointer);
        _pointer = null;
        Capacity = 0;
    }
}
