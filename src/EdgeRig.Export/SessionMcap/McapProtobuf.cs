using EdgeRig.Export.Mcap;
using Google.Protobuf;

namespace EdgeRig.Export.SessionMcap;

/// <summary>
/// Protobuf messages into an MCAP file: each is serialised straight into the writer's open chunk, no byte array in between.
/// Every channel of a session export (streams, markers, and any added later) writes its messages through here.
/// </summary>
internal static class McapProtobuf
{
    public static void WriteProtobuf(this McapWriter writer, ushort channelId, uint sequence, ulong logTime, ulong publishTime, IMessage message) =>
        writer.WriteMessage(channelId, sequence, logTime, publishTime, message.CalculateSize(), message,
            static (destination, m) => m.WriteTo(destination));
}
