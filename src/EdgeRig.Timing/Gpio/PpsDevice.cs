using System.Buffers.Binary;
using System.Runtime.InteropServices;
using EdgeRig.Core;

namespace EdgeRig.Timing.Gpio;

/// <summary>One PPS assert as the kernel's PPS API reports it (CLOCK_REALTIME), with its sequence number.</summary>
public readonly record struct PpsPulse(uint Sequence, long AssertRealtimeNs);

/// <summary>
/// A PPS source (/dev/ppsN, e.g. pps-gpio on a GPIO line) read with PPS_FETCH: blocks until the next assert or
/// the timeout and returns its kernel timestamp. Used to check the rig clock against a GNSS or grandmaster PPS.
/// </summary>
public sealed class PpsDevice : IDisposable
{
    /// <summary>sizeof(struct pps_fdata) on 64-bit Linux: pps_kinfo (4+4+16+16+4, padded to 48) + pps_ktime timeout (16).</summary>
    public const int FetchDataSize = 64;

    /// <summary>PPS_FETCH = _IOWR('p', 0xa4, struct pps_fdata *): the size field holds a pointer's size.</summary>
    public const uint FetchIoctl = (3u << 30) | (8u << 16) | ((uint)'p' << 8) | 0xA4u;

    private readonly int _fd;
    private readonly string _path;

    private PpsDevice(int fd, string path)
    {
        _fd = fd;
        _path = path;
    }

    /// <exception cref="IOException">the device cannot be opened; the message names it.</exception>
    public static PpsDevice Open(string path)
    {
        int fd = Libc.Open(path, Libc.ORdWr | Libc.OCloexec);
        if (fd < 0) throw new IOException($"cannot open PPS device {path}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        return new PpsDevice(fd, path);
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the next assert.</summary>
    /// <exception cref="IOException">the fetch failed (timeout, device gone).</exception>
    public unsafe PpsPulse Fetch(TimeSpan timeout)
    {
        var data = new byte[FetchDataSize];
        WriteTimeout(data, timeout);
        fixed (byte* p = data)
            if (Libc.Ioctl(_fd, FetchIoctl, p) < 0)
                throw new IOException($"PPS_FETCH on {_path} failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        return ParseFetchData(data);
    }

    /// <summary>Fills the timeout (pps_ktime at offset 48: int64 sec, int32 nsec, uint32 flags).</summary>
    public static void WriteTimeout(Span<byte> data, TimeSpan timeout)
    {
        long ns = (long)(timeout.TotalMilliseconds * 1e6);
        BinaryPrimitives.WriteInt64LittleEndian(data[48..], ns / 1_000_000_000);
        BinaryPrimitives.WriteInt32LittleEndian(data[56..], (int)(ns % 1_000_000_000));
    }

    /// <summary>Reads assert_sequence and assert_tu from a filled struct pps_fdata.</summary>
    public static PpsPulse ParseFetchData(ReadOnlySpan<byte> data)
    {
        uint sequence = BinaryPrimitives.ReadUInt32LittleEndian(data);
        long sec = BinaryPrimitives.ReadInt64LittleEndian(data[8..]);
        int nsec = BinaryPrimitives.ReadInt32LittleEndian(data[16..]);
        if (nsec is < 0 or >= 1_000_000_000) throw new InvalidDataException($"PPS timestamp nanoseconds {nsec} out of range");
        return new PpsPulse(sequence, sec * 1_000_000_000 + nsec);
    }

    public void Dispose() => Libc.Close(_fd);
}
