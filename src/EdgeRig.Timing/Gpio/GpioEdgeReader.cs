namespace EdgeRig.Timing.Gpio;

/// <summary>
/// Reads kernel-stamped edge events from a GPIO line fd (or any stream carrying the same 48-byte records),
/// counting events the kernel lost (gaps in its sequence numbers).
/// </summary>
public sealed class GpioEdgeReader(Stream events)
{
    private readonly byte[] _record = new byte[GpioV2Abi.LineEventSize];
    private uint? _lastSequence;

    /// <summary>Events the kernel dropped because its buffer overflowed.</summary>
    public long LostEvents { get; private set; }

    /// <summary>Reads the next event; false at end of stream (line released, device gone).</summary>
    public bool TryRead(out GpioEdgeEvent edge)
    {
        edge = default;
        int filled = 0;
        while (filled < _record.Length)
        {
            int n = events.Read(_record, filled, _record.Length - filled);
            if (n == 0)
            {
                if (filled > 0) throw new EndOfStreamException($"GPIO event stream ended inside a record ({filled} of {GpioV2Abi.LineEventSize} bytes)");
                return false;
            }
            filled += n;
        }
        edge = GpioV2Abi.ParseEvent(_record);
        if (_lastSequence is { } last && edge.Sequence > last + 1) LostEvents += edge.Sequence - last - 1;
        _lastSequence = edge.Sequence;
        return true;
    }
}
