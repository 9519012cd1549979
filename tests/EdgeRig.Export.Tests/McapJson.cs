using System.Globalization;
using System.Text.Json.Nodes;
using EdgeRig.Export.Mcap;

namespace EdgeRig.Export.Tests;

/// <summary>Converts records to and from the conformance JSON shape: {"type", "fields": [[name, value], ...]} sorted by name.</summary>
internal static class McapJson
{
    public static JsonObject ToJson(McapRecord record)
    {
        var fields = Fields(record).OrderBy(f => f.Name, StringComparer.Ordinal)
            .Select(f => (JsonNode)new JsonArray(JsonValue.Create(f.Name), f.Value));
        return new JsonObject
        {
            ["type"] = record.Opcode.ToString(),
            ["fields"] = new JsonArray(fields.ToArray()),
        };
    }

    public static McapRecord FromJson(JsonNode node)
    {
        string type = node["type"]!.GetValue<string>();
        var f = node["fields"]!.AsArray().ToDictionary(p => p![0]!.GetValue<string>(), p => p![1]!);
        return type switch
        {
            "Header" => new Header(Str(f["profile"]), Str(f["library"])),
            "Schema" => new Schema((ushort)Num(f["id"]), Str(f["name"]), Str(f["encoding"]), Bytes(f["data"])),
            "Channel" => new Channel((ushort)Num(f["id"]), (ushort)Num(f["schema_id"]), Str(f["topic"]),
                Str(f["message_encoding"]), StringMap(f["metadata"])),
            "Message" => new Message((ushort)Num(f["channel_id"]), (uint)Num(f["sequence"]), Num(f["log_time"]),
                Num(f["publish_time"]), Bytes(f["data"])),
            "Attachment" => new Attachment(Num(f["log_time"]), Num(f["create_time"]), Str(f["name"]),
                Str(f["media_type"]), Bytes(f["data"])),
            "Metadata" => new Metadata(Str(f["name"]), StringMap(f["metadata"])),
            _ => throw new NotSupportedException($"Not an input record type: {type}"),
        };
    }

    private static IEnumerable<(string Name, JsonNode Value)> Fields(McapRecord record) => record switch
    {
        Header r => [("profile", r.Profile), ("library", r.Library)],
        Footer r => [("summary_start", U(r.SummaryStart)), ("summary_offset_start", U(r.SummaryOffsetStart)), ("summary_crc", U(r.SummaryCrc))],
        Schema r => [("id", U(r.Id)), ("name", r.Name), ("encoding", r.Encoding), ("data", B(r.Data))],
        Channel r => [("id", U(r.Id)), ("schema_id", U(r.SchemaId)), ("topic", r.Topic),
            ("message_encoding", r.MessageEncoding), ("metadata", M(r.Metadata))],
        Message r => [("channel_id", U(r.ChannelId)), ("sequence", U(r.Sequence)), ("log_time", U(r.LogTime)),
            ("publish_time", U(r.PublishTime)), ("data", B(r.Data))],
        ChunkIndex r => [("message_start_time", U(r.MessageStartTime)), ("message_end_time", U(r.MessageEndTime)),
            ("chunk_start_offset", U(r.ChunkStartOffset)), ("chunk_length", U(r.ChunkLength)),
            ("message_index_offsets", M(r.MessageIndexOffsets)), ("message_index_length", U(r.MessageIndexLength)),
            ("compression", r.Compression), ("compressed_size", U(r.CompressedSize)), ("uncompressed_size", U(r.UncompressedSize))],
        Attachment r => [("log_time", U(r.LogTime)), ("create_time", U(r.CreateTime)), ("name", r.Name),
            ("media_type", r.MediaType), ("data", B(r.Data))],
        AttachmentIndex r => [("offset", U(r.Offset)), ("length", U(r.Length)), ("log_time", U(r.LogTime)),
            ("create_time", U(r.CreateTime)), ("data_size", U(r.DataSize)), ("name", r.Name), ("media_type", r.MediaType)],
        Statistics r => [("message_count", U(r.MessageCount)), ("schema_count", U(r.SchemaCount)),
            ("channel_count", U(r.ChannelCount)), ("attachment_count", U(r.AttachmentCount)),
            ("metadata_count", U(r.MetadataCount)), ("chunk_count", U(r.ChunkCount)),
            ("message_start_time", U(r.MessageStartTime)), ("message_end_time", U(r.MessageEndTime)),
            ("channel_message_counts", M(r.ChannelMessageCounts))],
        Metadata r => [("name", r.Name), ("metadata", M(r.Entries))],
        MetadataIndex r => [("offset", U(r.Offset)), ("length", U(r.Length)), ("name", r.Name)],
        SummaryOffset r => [("group_opcode", U((byte)r.GroupOpcode)), ("group_start", U(r.GroupStart)), ("group_length", U(r.GroupLength))],
        DataEnd r => [("data_section_crc", U(r.DataSectionCrc))],
        _ => throw new NotSupportedException($"No JSON form for {record.Opcode}"),
    };

    private static JsonNode U(ulong value) => JsonValue.Create(value.ToString(CultureInfo.InvariantCulture));

    private static JsonNode B(byte[] data) => new JsonArray(data.Select(b => (JsonNode)U(b)).ToArray());

    private static JsonNode M(IReadOnlyDictionary<string, string> map) =>
        new JsonObject(map.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(p.Value))));

    private static JsonNode M(IReadOnlyDictionary<ushort, ulong> map) =>
        new JsonObject(map.Select(p => KeyValuePair.Create(p.Key.ToString(CultureInfo.InvariantCulture), (JsonNode?)U(p.Value))));

    private static string Str(JsonNode node) => node.GetValue<string>();

    private static ulong Num(JsonNode node) => ulong.Parse(node.GetValue<string>(), CultureInfo.InvariantCulture);

    private static byte[] Bytes(JsonNode node) => node.AsArray().Select(b => (byte)Num(b!)).ToArray();

    private static Dictionary<string, string> StringMap(JsonNode node) =>
        node.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<string>());
}
