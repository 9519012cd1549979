using EdgeRig.Core;

namespace EdgeRig.Formats;

/// <summary>
/// The payload of a <see cref="Encodings.GpioEdge"/> sample (gpio/edge-v1): byte 0 the line offset, byte 1 the level after
/// the edge (1 rising, 0 falling). The GPIO drivers write it; recording (marker buttons) and the exporters read it.
/// </summary>
public readonly record struct GpioEdgePayload(byte Line, bool Rising)
{
    /// <summary>Bytes of the payload.</summary>
    public const int Size = 2;

    public byte[] ToArray() => [Line, Rising ? (byte)1 : (byte)0];

    /// <summary>Reads an edge; false when the payload is too short to be one.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out GpioEdgePayload edge)
    {
        edge = payload.Length >= Size ? new GpioEdgePayload(payload[0], payload[1] == 1) : default;
        return payload.Length >= Size;
    }
}
