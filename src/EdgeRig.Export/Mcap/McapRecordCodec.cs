namespace EdgeRig.Export.Mcap;

/// <summary>Encodes record contents (without opcode and length) and decodes them, ignoring trailing bytes.</summary>
internal static class McapRecordCodec
{
    /// <summary>Appends the content of <paramref name="record"/> to <paramref name="w"/>.</summary>
    public static void WriteContent(McapBufferWriter w, McapRecord record)
    {
        switch (record)
        {
            case Header r: w.WriteString(r.Profile); w.WriteString(r.Library); break;
            case Footer r: w.WriteUInt64(r.SummaryStart); w.WriteUInt64(r.SummaryOffsetStart); w.WriteUInt32(r.SummaryCrc); break;
            case Schema r: w.WriteUInt16(r.Id); w.WriteString(r.Name); w.WriteString(r.Encoding); w.WriteUInt32PrefixedBytes(r.Data); break;
            case Channel r:
                w.WriteUInt16(r.Id); w.WriteUInt16(r.SchemaId); w.WriteString(r.Topic);
                w.WriteString(r.MessageEncoding); w.WriteStringMap(r.Metadata);
                break;
            case Message r:
                w.WriteUInt16(r.ChannelId); w.WriteUInt32(r.Sequence); w.WriteUInt64(r.LogTime);
                w.WriteUInt64(r.PublishTime); w.WriteBytes(r.Data);
                break;
            case Chunk r:
                w.WriteUInt64(r.MessageStartTime); w.WriteUInt64(r.MessageEndTime); w.WriteUInt64(r.UncompressedSize);
                w.WriteUInt32(r.UncompressedCrc); w.WriteString(r.Compression); w.WriteUInt64PrefixedBytes(r.Records);
                break;
            case MessageIndex r:
                w.WriteUInt16(r.ChannelId);
                w.WriteUInt32((uint)(r.Records.Count * 16));
                foreach (var entry in r.Records) { w.WriteUInt64(entry.LogTime); w.WriteUInt64(entry.Offset); }
                break;
            case ChunkIndex r:
                w.WriteUInt64(r.MessageStartTime); w.WriteUInt64(r.MessageEndTime); w.WriteUInt64(r.ChunkStartOffset);
                w.WriteUInt64(r.ChunkLength); w.WriteUInt16UInt64Map(r.MessageIndexOffsets); w.WriteUInt64(r.MessageIndexLength);
                w.WriteString(r.Compression); w.WriteUInt64(r.CompressedSize); w.WriteUInt64(r.UncompressedSize);
                break;
            case Attachment r:
                w.WriteUInt64(r.LogTime); w.WriteUInt64(r.CreateTime); w.WriteString(r.Name);
                w.WriteString(r.MediaType); w.WriteUInt64PrefixedBytes(r.Data); w.WriteUInt32(r.Crc);
                break;
            case AttachmentIndex r:
                w.WriteUInt64(r.Offset); w.WriteUInt64(r.Length); w.WriteUInt64(r.LogTime); w.WriteUInt64(r.CreateTime);
                w.WriteUInt64(r.DataSize); w.WriteString(r.Name); w.WriteString(r.MediaType);
                break;
            case Statistics r:
                w.WriteUInt64(r.MessageCount); w.WriteUInt16(r.SchemaCount); w.WriteUInt32(r.ChannelCount);
                w.WriteUInt32(r.AttachmentCount); w.WriteUInt32(r.MetadataCount); w.WriteUInt32(r.ChunkCount);
                w.WriteUInt64(r.MessageStartTime); w.WriteUInt64(r.MessageEndTime); w.WriteUInt16UInt64Map(r.ChannelMessageCounts);
                break;
            case Metadata r: w.WriteString(r.Name); w.WriteStringMap(r.Entries); break;
            case MetadataIndex r: w.WriteUInt64(r.Offset); w.WriteUInt64(r.Length); w.WriteString(r.Name); break;
            case SummaryOffset r: w.WriteByte((byte)r.GroupOpcode); w.WriteUInt64(r.GroupStart); w.WriteUInt64(r.GroupLength); break;
            case DataEnd r: w.WriteUInt32(r.DataSectionCrc); break;
            default: throw new ArgumentException($"Unsupported record type {record.GetType().Name}", nameof(record));
        }
    }

    /// <summary>Decodes one record's content; returns null for opcodes this version does not know.</summary>
    public static McapRecord? Parse(byte opcode, ReadOnlySpan<byte> content, long offset)
    {
        var r = new McapSpanReader(content, $"{(McapOpcode)opcode} record at offset {offset}");
        switch ((McapOpcode)opcode)
        {
            case McapOpcode.Header: return new Header(r.ReadString("profile"), r.ReadString("library"));
            case McapOpcode.Footer: return new Footer(r.ReadUInt64("summary_start"), r.ReadUInt64("summary_offset_start"), r.ReadUInt32("summary_crc"));
            case McapOpcode.Schema:
                return new Schema(r.ReadUInt16("id"), r.ReadString("name"), r.ReadString("encoding"), r.ReadUInt32PrefixedBytes("data"));
            case McapOpcode.Channel:
                return new Channel(r.ReadUInt16("id"), r.ReadUInt16("schema_id"), r.ReadString("topic"),
                    r.ReadString("message_encoding"), r.ReadStringMap("metadata"));
            case McapOpcode.Message:
                return new Message(r.ReadUInt16("channel_id"), r.ReadUInt32("sequence"), r.ReadUInt64("log_time"),
                    r.ReadUInt64("publish_time"), r.ReadRest().ToArray());
            case McapOpcode.Chunk:
                return new Chunk(r.ReadUInt64("message_start_time"), r.ReadUInt64("message_end_time"),
                    r.ReadUInt64("uncompressed_size"), r.ReadUInt32("uncompressed_crc"), r.ReadString("compression"),
                    r.ReadUInt64PrefixedBytes("records").ToArray());
            case McapOpcode.MessageIndex: return ParseMessageIndex(ref r);
            case McapOpcode.ChunkIndex:
                return new ChunkIndex(r.ReadUInt64("message_start_time"), r.ReadUInt64("message_end_time"),
                    r.ReadUInt64("chunk_start_offset"), r.ReadUInt64("chunk_length"), r.ReadUInt16UInt64Map("message_index_offsets"),
                    r.ReadUInt64("message_index_length"), r.ReadString("compression"), r.ReadUInt64("compressed_size"),
                    r.ReadUInt64("uncompressed_size"));
            case McapOpcode.Attachment: return ParseAttachment(ref r, content, offset);
            case McapOpcode.AttachmentIndex:
                return new AttachmentIndex(r.ReadUInt64("offset"), r.ReadUInt64("length"), r.ReadUInt64("log_time"),
                    r.ReadUInt64("create_time"), r.ReadUInt64("data_size"), r.ReadString("name"), r.ReadString("media_type"));
            case McapOpcode.Statistics:
                return new Statistics(r.ReadUInt64("message_count"), r.ReadUInt16("schema_count"), r.ReadUInt32("channel_count"),
                    r.ReadUInt32("attachment_count"), r.ReadUInt32("metadata_count"), r.ReadUInt32("chunk_count"),
                    r.ReadUInt64("message_start_time"), r.ReadUInt64("message_end_time"), r.ReadUInt16UInt64Map("channel_message_counts"));
            case McapOpcode.Metadata: return new Metadata(r.ReadString("name"), r.ReadStringMap("metadata"));
            case McapOpcode.MetadataIndex: return new MetadataIndex(r.ReadUInt64("offset"), r.ReadUInt64("length"), r.ReadString("name"));
            case McapOpcode.SummaryOffset:
                return new SummaryOffset((McapOpcode)r.ReadByte("group_opcode"), r.ReadUInt64("group_start"), r.ReadUInt64("group_length"));
            case McapOpcode.DataEnd: return new DataEnd(r.ReadUInt32("data_section_crc"));
            default: return null;
        }
    }

    private static MessageIndex ParseMessageIndex(ref McapSpanReader r)
    {
        ushort channelId = r.ReadUInt16("channel_id");
        uint byteLength = r.ReadUInt32("records");
        if (byteLength % 16 != 0 || byteLength > (uint)r.Remaining)
        {
            throw new McapFormatException($"MessageIndex for channel {channelId}: records length {byteLength} is invalid");
        }
        var entries = new MessageIndexEntry[byteLength / 16];
        for (int i = 0; i < entries.Length; i++)
        {
            entries[i] = new MessageIndexEntry(r.ReadUInt64("log_time"), r.ReadUInt64("offset"));
        }
        return new MessageIndex(channelId, entries);
    }

    private static Attachment ParseAttachment(ref McapSpanReader r, ReadOnlySpan<byte> content, long offset)
    {
        ulong logTime = r.ReadUInt64("log_time");
        ulong createTime = r.ReadUInt64("create_time");
        string name = r.ReadString("name");
        string mediaType = r.ReadString("media_type");
        byte[] data = r.ReadUInt64PrefixedBytes("data").ToArray();
        int crcStart = r.Position;
        uint crc = r.ReadUInt32("crc");
        if (crc != 0)
        {
            uint actual = Crc32.Compute(content[..crcStart]);
            if (actual != crc)
            {
                throw new McapFormatException(
                    $"Attachment '{name}' at offset {offset}: CRC mismatch (stored 0x{crc:X8}, computed 0x{actual:X8})");
            }
        }
        return new Attachment(logTime, createTime, name, mediaType, data, crc);
    }
}
