namespace EdgeRig.Export.Mcap;

/// <summary>Base of every MCAP record; <see cref="Opcode"/> tells which record it is.</summary>
public abstract record McapRecord
{
    /// <summary>The opcode that introduces this record in a file.</summary>
    public abstract McapOpcode Opcode { get; }
}

/// <summary>Header record (0x01): the profile and the library that wrote the file.</summary>
public sealed record Header(string Profile, string Library) : McapRecord
{
    /// <inheritdoc/>
    public override McapOpcode Opcode => McapOpcode.Header;
}

/// <summary>Footer record (0x02): where the summary and summary offsets start, and the summary CRC.</summary>
public sealed record Footer(ulong SummaryStart, ulong SummaryOffsetStart, uint SummaryCrc) : McapRecord
{
    /// <inheritdoc/>
    public override McapOpcode Opcode => McapOpcode.Footer;
}

/// <summary>Schema record (0x03): a message schema; id 0 is reserved for "no schema".</summary>
public sealed record Schema(ushort Id, string Name, string Encoding, byte[] Data) : McapRecord
{
    /// <inheritdoc/>
    public override McapOpcode Opcode => McapOpcode.Schema;
}

/// <summary>Channel record (0x04): a topic, its message encoding, schema and metadata.</summary>
public sealed record Channel(
    ushort Id, ushort SchemaId, string Topic, string MessageEncoding,
    IReadOnlyDictionary<string, string> Metadata) : McapRecord
{
    /// <inheritdoc/>
    public override McapOpcode Opcode => McapOpcode.Channel;
}

/// <summary>Message record (0x05): one timestamped message on a channel.</summary>
public sealed record Message(ushort ChannelId, uint Sequence, ulong LogTime, ulong PublishTime, byte[] Data) : McapRecord
{
    /// <inheritdoc/>
    public override McapOpcode Opcode => McapOpcode.Message;
}

/// <summary>Chunk record (0x06): a possibly compressed block of Schema, Channel and Message records.</summary>
public sealed record Chunk(
    ulong MessageStartTime, ulong MessageEndTime, ulong UncompressedSize, uint UncompressedCrc,
    string Compression, byte[] Records) : McapRecord
{
    /// <inheritdoc/>
    public override McapOpcode Opcode => McapOpcode.Chunk;
}

/// <summary>One entry of a message index: a message's log time and its offset inside the uncompressed chunk.</summary>
public readonly record struct MessageIndexEntry(ulong LogTime, ulong Offset);

/// <summary>MessageIndex record (0x07): where one channel's messages lie in the preceding chunk.</summary>
public sealed record MessageIndex(ushort ChannelId, IReadOnlyList<MessageIndexEntry> Records) : McapRecord
{
    /// <inheritdoc/>
    public override McapOpcode Opcode => McapOpcode.MessageIndex;
}

/// <summary>ChunkIndex record (0x08): locates a chunk and its message indexes.</summary>
public sealed record ChunkIndex(
    ulong MessageStartTime, ulong MessageEndTime, ulong ChunkStartOffset, ulong ChunkLength,
    IReadOnlyDictionary<ushort, ulong> MessageIndexOffsets, ulong MessageIndexLength,
    string Compression, ulong CompressedSize, ulong UncompressedSize) : McapRecord
{
    /// <inheritdoc/>
    public override McapOpcode Opcode => McapOpcode.ChunkIndex;
}

/// <summary>Attachment record (0x09): an arbitrary file; <see cref="Crc"/> 0 means "not computed".</summary>
public sealed record Attachment(
    ulong LogTime, ulong CreateTime, string Name, string MediaType, byte[] Data, uint Crc = 0) : McapRecord
{
    /// <inheritdoc/>
    public override McapOpcode Opcode => McapOpcode.Attachment;
}

/// <summary>AttachmentIndex record (0x0A): locates an attachment record in the data section.</summary>
public sealed record AttachmentIndex(
    ulong Offset, ulong Length, ulong LogTime, ulong CreateTime, ulong DataSize,
    string Name, string MediaType) : McapRecord
{
    /// <inheritdoc/>
    public override McapOpcode Opcode => McapOpcode.AttachmentIndex;
}

/// <summary>Statistics record (0x0B): counts and the time range of the whole file.</summary>
public sealed record Statistics(
    ulong MessageCount, ushort SchemaCount, uint ChannelCount, uint AttachmentCount,
    uint MetadataCount, uint ChunkCount, ulong MessageStartTime, ulong MessageEndTime,
    IReadOnlyDictionary<ushort, ulong> ChannelMessageCounts) : McapRecord
{
    /// <inheritdoc/>
    public override McapOpcode Opcode => McapOpcode.Statistics;
}

/// <summary>Metadata record (0x0C): a named string-to-string map.</summary>
public sealed record Metadata(string Name, IReadOnlyDictionary<string, string> Entries) : McapRecord
{
    /// <inheritdoc/>
    public override McapOpcode Opcode => McapOpcode.Metadata;
}

/// <summary>MetadataIndex record (0x0D): locates a metadata record in the data section.</summary>
public sealed record MetadataIndex(ulong Offset, ulong Length, string Name) : McapRecord
{
    /// <inheritdoc/>
    public override McapOpcode Opcode => McapOpcode.MetadataIndex;
}

/// <summary>SummaryOffset record (0x0E): where one group of same-opcode summary records lies.</summary>
public sealed record SummaryOffset(McapOpcode GroupOpcode, ulong GroupStart, ulong GroupLength) : McapRecord
{
    /// <inheritdoc/>
    public override McapOpcode Opcode => McapOpcode.SummaryOffset;
}

/// <summary>DataEnd record (0x0F): closes the data section; <see cref="DataSectionCrc"/> 0 means "not computed".</summary>
public sealed record DataEnd(uint DataSectionCrc) : McapRecord
{
    /// <inheritdoc/>
    public override McapOpcode Opcode => McapOpcode.DataEnd;
}
