using System.Buffers.Binary;
using System.Text;

namespace EdgeRig.Timing.Gpio;

/// <summary>An edge event as the kernel reports it (struct gpio_v2_line_event): its timestamp is CLOCK_MONOTONIC ns by default.</summary>
public readonly record struct GpioEdgeEvent(long TimestampNs, bool Rising, int LineOffset, uint Sequence, uint LineSequence);

/// <summary>
/// The Linux GPIO character device v2 uAPI (linux/gpio.h), laid out by hand: the line request given to
/// GPIO_V2_GET_LINE_IOCTL and the 48-byte edge events read from the returned line fd.
/// System.Device.Gpio 4.2 does not expose edge timestamps, which is why this exists.
/// </summary>
public static class GpioV2Abi
{
    public const int LinesMax = 64;
    public const int NameSize = 32;
    public const int LineRequestSize = 592;
    public const int LineEventSize = 48;
    private const int ConfigOffset = LinesMax * 4 + NameSize; // 288
    private const int NumLinesOffset = ConfigOffset + 272;    // 560
    private const int EventBufferSizeOffset = NumLinesOffset + 4;
    private const int FdOffset = LineRequestSize - 4;         // 588

    public const ulong FlagInput = 1 << 2;
    public const ulong FlagEdgeRising = 1 << 4;
    public const ulong FlagEdgeFalling = 1 << 5;
    public const ulong FlagBiasPullUp = 1 << 8;
    public const ulong FlagEventClockRealtime = 1 << 11;
    public const uint EventRisingEdge = 1;
    public const uint EventFallingEdge = 2;

    /// <summary>_IOWR(0xB4, 0x07, struct gpio_v2_line_request).</summary>
    public const uint GetLineIoctl = (3u << 30) | ((uint)LineRequestSize << 16) | (0xB4u << 8) | 0x07u;

    /// <summary>A request for input lines with edge detection on both edges, stamped on CLOCK_MONOTONIC.</summary>
    public static byte[] BuildLineRequest(IReadOnlyList<int> offsets, string consumer, ulong extraFlags = 0, uint eventBufferSize = 0)
    {
        if (offsets.Count is < 1 or > LinesMax) throw new ArgumentException($"a line request holds 1..{LinesMax} lines, not {offsets.Count}", nameof(offsets));
        var request = new byte[LineRequestSize];
        var span = request.AsSpan();
        for (int i = 0; i < offsets.Count; i++)
        {
            if (offsets[i] < 0) throw new ArgumentException($"line offset {offsets[i]} is negative", nameof(offsets));
            BinaryPrimitives.WriteUInt32LittleEndian(span[(i * 4)..], (uint)offsets[i]);
        }
        var name = Encoding.ASCII.GetBytes(consumer);
        name.AsSpan(0, Math.Min(name.Length, NameSize - 1)).CopyTo(span[(LinesMax * 4)..]);
        BinaryPrimitives.WriteUInt64LittleEndian(span[ConfigOffset..], FlagInput | FlagEdgeRising | FlagEdgeFalling | extraFlags);
        BinaryPrimitives.WriteUInt32LittleEndian(span[NumLinesOffset..], (uint)offsets.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(span[EventBufferSizeOffset..], eventBufferSize);
        return request;
    }

    /// <summary>The line fd the kernel wrote back into a request.</summary>
    public static int ReadFd(ReadOnlySpan<byte> request) => BinaryPrimitives.ReadInt32LittleEndian(request[FdOffset..]);

    public static ulong ReadFlags(ReadOnlySpan<byte> request) => BinaryPrimitives.ReadUInt64LittleEndian(request[ConfigOffset..]);

    public static uint ReadNumLines(ReadOnlySpan<byte> request) => BinaryPrimitives.ReadUInt32LittleEndian(request[NumLinesOffset..]);

    /// <summary>Parses one struct gpio_v2_line_event.</summary>
    /// <exception cref="InvalidDataException">the event id is neither rising nor falling.</exception>
    public static GpioEdgeEvent ParseEvent(ReadOnlySpan<byte> e)
    {
        uint id = BinaryPrimitives.ReadUInt32LittleEndian(e[8..]);
        if (id is not (EventRisingEdge or EventFallingEdge)) throw new InvalidDataException($"GPIO event id {id} is neither rising (1) nor falling (2)");
        return new GpioEdgeEvent((long)BinaryPrimitives.ReadUInt64LittleEndian(e), id == EventRisingEdge,
            (int)BinaryPrimitives.ReadUInt32LittleEndian(e[12..]), BinaryPrimitives.ReadUInt32LittleEndian(e[16..]), BinaryPrimitives.ReadUInt32LittleEndian(e[20..]));
    }

    /// <summary>Writes one event in the kernel's layout (for fake devices in tests and simulations).</summary>
    public static byte[] EncodeEvent(GpioEdgeEvent e)
    {
        var b = new byte[LineEventSize];
        BinaryPrimitives.WriteUInt64LittleEndian(b, (ulong)e.TimestampNs);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(8), e.Rising ? EventRisingEdge : EventFallingEdge);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(12), (uint)e.LineOffset);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(16), e.Sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(20), e.LineSequence);
        return b;
    }
}
