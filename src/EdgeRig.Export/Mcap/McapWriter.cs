using System.Buffers;
using System.Buffers.Binary;

namespace EdgeRig.Export.Mcap;

/// <summary>Streaming MCAP writer: records go out as they are written; <see cref="Finish"/> writes the summary and footer.</summary>
public sealed partial class McapWriter : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly McapBufferWriter _content = new();
    private readonly List<Schema> _schemas = [];
    private readonly Dictionary<ushort, Schema> _schemasById = [];
    private readonly List<Channel> _channels = [];
    private readonly Dictionary<ushort, Channel> _channelsById = [];
    private Crc32 _crc = Crc32.Create();
    private long _position;
    private bool _headerWritten;
    private bool _finished;

    /// <summary>Creates a writer over <paramref name="stream"/> (which need not be seekable).</summary>
    public McapWriter(Stream stream, McapWriterOptions? options = null, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _leaveOpen = leaveOpen;
        Options = options ?? new McapWriterOptions();
        if (Options.ChunkSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), Options.ChunkSize, "ChunkSize must be positive");
        }
        _chunkCompressionName = McapChunkCompression.NameOf(Options.Compression);
    }

    /// <summary>The options this writer was created with.</summary>
    public McapWriterOptions Options { get; }

    /// <summary>Number of bytes written to the stream so far (waits for chunks still being compressed or written).</summary>
    public long Position
    {
        get
        {
            DrainChunks();
            return _position;
        }
    }

    /// <summary>Writes the magic and the Header; called implicitly with the options' profile and library otherwise.</summary>
    public void WriteHeader(string profile, string library)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(library);
        ThrowIfFinished();
        if (_headerWritten)
        {
            throw new InvalidOperationException("The MCAP header has already been written");
        }
        _headerWritten = true;
        Emit(McapConstants.Magic);
        WriteRecord(new Header(profile, library), _content);
    }

    /// <summary>Registers a schema under the next free id (from 1) and returns that id.</summary>
    public ushort AddSchema(string name, string encoding, ReadOnlySpan<byte> data)
    {
        ushort id = NextFreeId(_schemasById.Keys);
        AddSchema(new Schema(id, name, encoding, data.ToArray()));
        return id;
    }

    /// <summary>Registers a schema with an explicit id (not 0); re-adding an identical schema is a no-op.</summary>
    public void AddSchema(Schema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        BeginOperation();
        if (schema.Id == 0)
        {
            throw new ArgumentException("Schema id 0 is reserved for channels without a schema", nameof(schema));
        }
        if (_schemasById.TryGetValue(schema.Id, out var existing))
        {
            if (existing.Name == schema.Name && existing.Encoding == schema.Encoding && existing.Data.AsSpan().SequenceEqual(schema.Data))
            {
                return;
            }
            throw new ArgumentException($"Schema id {schema.Id} is already used by a different schema", nameof(schema));
        }
        _schemasById.Add(schema.Id, schema);
        _schemas.Add(schema);
        WriteDataRecord(schema);
    }

    /// <summary>Registers a channel under the next free id (from 1) and returns that id; schema 0 means "no schema".</summary>
    public ushort AddChannel(string topic, string messageEncoding, ushort schemaId = 0,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ushort id = NextFreeId(_channelsById.Keys);
        AddChannel(new Channel(id, schemaId, topic, messageEncoding, metadata ?? new Dictionary<string, string>()));
        return id;
    }

    /// <summary>Registers a channel with an explicit id; its schema must have been added unless it is 0.</summary>
    public void AddChannel(Channel channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        BeginOperation();
        if (channel.SchemaId != 0 && !_schemasById.ContainsKey(channel.SchemaId))
        {
            throw new ArgumentException($"Channel {channel.Id} refers to unknown schema {channel.SchemaId}", nameof(channel));
        }
        if (_channelsById.TryGetValue(channel.Id, out var existing))
        {
            if (existing.SchemaId == channel.SchemaId && existing.Topic == channel.Topic
                && existing.MessageEncoding == channel.MessageEncoding
                && existing.Metadata.Count == channel.Metadata.Count
                && existing.Metadata.All(p => channel.Metadata.TryGetValue(p.Key, out var v) && v == p.Value))
            {
                return;
            }
            throw new ArgumentException($"Channel id {channel.Id} is already used by a different channel", nameof(channel));
        }
        _channelsById.Add(channel.Id, channel);
        _channels.Add(channel);
        WriteDataRecord(channel);
    }

    /// <summary>Writes one message on a registered channel.</summary>
    public void WriteMessage(ushort channelId, uint sequence, ulong logTime, ulong publishTime, ReadOnlySpan<byte> data) =>
        WriteMessage(channelId, sequence, logTime, publishTime, data.Length, data,
            static (Span<byte> destination, ReadOnlySpan<byte> source) => source.CopyTo(destination));

    /// <summary>
    /// Writes one message whose <paramref name="dataLength"/> data bytes <paramref name="writeData"/> puts straight into the
    /// record (in the open chunk when chunking), so a payload serialised by the caller is copied once, not built and copied in.
    /// </summary>
    public void WriteMessage<TState>(ushort channelId, uint sequence, ulong logTime, ulong publishTime, int dataLength, TState state,
        SpanAction<byte, TState> writeData) where TState : allows ref struct
    {
        ArgumentNullException.ThrowIfNull(writeData);
        ArgumentOutOfRangeException.ThrowIfNegative(dataLength);
        BeginOperation();
        if (!_channelsById.ContainsKey(channelId))
        {
            throw new ArgumentException($"Channel {channelId} has not been added", nameof(channelId));
        }
        var target = Options.UseChunks ? _chunk : _content;
        if (!Options.UseChunks)
        {
            _content.Clear();
        }
        int recordStart = target.Length;
        if (Options.UseChunks)
        {
            target.WriteByte((byte)McapOpcode.Message);
            target.WriteUInt64((ulong)(MessageHeaderLength + dataLength));
        }
        target.WriteUInt16(channelId);
        target.WriteUInt32(sequence);
        target.WriteUInt64(logTime);
        target.WriteUInt64(publishTime);
        try
        {
            writeData(target.Reserve(dataLength), state);
        }
        catch
        {
            target.Truncate(recordStart);
            throw;
        }
        CountMessage(channelId, logTime);
        if (Options.UseChunks)
        {
            IndexMessageInChunk(channelId, logTime, recordStart);
        }
        else
        {
            EmitRecord(McapOpcode.Message, _content.WrittenSpan, padded: false);
        }
    }

    /// <summary>Writes one message record.</summary>
    public void WriteMessage(Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        WriteMessage(message.ChannelId, message.Sequence, message.LogTime, message.PublishTime, message.Data);
    }

    /// <summary>Writes an attachment into the data section; its CRC is computed when <see cref="McapWriterOptions.UseCrcs"/>.</summary>
    public void WriteAttachment(string name, string mediaType, ulong logTime, ulong createTime, ReadOnlySpan<byte> data)
    {
        BeginOperation();
        DrainChunks();
        var attachment = new Attachment(logTime, createTime, name, mediaType, data.ToArray());
        _content.Clear();
        McapRecordCodec.WriteContent(_content, attachment);
        if (Options.UseCrcs)
        {
            uint crc = Crc32.Compute(_content.WrittenSpan[..^4]);
            _content.Clear();
            McapRecordCodec.WriteContent(_content, attachment with { Crc = crc });
        }
        long offset = _position;
        long length = EmitRecord(McapOpcode.Attachment, _content.WrittenSpan, padded: true);
        _attachmentCount++;
        if (Options.WriteAttachmentIndex)
        {
            _attachmentIndexes.Add(new AttachmentIndex((ulong)offset, (ulong)length, logTime, createTime,
                (ulong)data.Length, name, mediaType));
        }
    }

    /// <summary>Writes an attachment record (its <see cref="Attachment.Crc"/> is recomputed, not copied).</summary>
    public void WriteAttachment(Attachment attachment)
    {
        ArgumentNullException.ThrowIfNull(attachment);
        WriteAttachment(attachment.Name, attachment.MediaType, attachment.LogTime, attachment.CreateTime, attachment.Data);
    }

    /// <summary>Writes a named metadata map into the data section.</summary>
    public void WriteMetadata(string name, IReadOnlyDictionary<string, string> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        BeginOperation();
        DrainChunks();
        long offset = _position;
        long length = WriteRecord(new Metadata(name, entries), _content);
        _metadataCount++;
        if (Options.WriteMetadataIndex)
        {
            _metadataIndexes.Add(new MetadataIndex((ulong)offset, (ulong)length, name));
        }
    }

    /// <summary>Completes the file if <see cref="Finish"/> was not called, then closes the stream unless left open.</summary>
    public void Dispose()
    {
        try
        {
            if (!_finished)
            {
                Finish();
            }
        }
        finally
        {
            StopChunkWork();
            if (!_leaveOpen)
            {
                _stream.Dispose();
            }
        }
    }

    private void WriteDataRecord(McapRecord record)
    {
        if (Options.UseChunks)
        {
            _content.Clear();
            McapRecordCodec.WriteContent(_content, record);
            AppendToChunk(record.Opcode, _content.WrittenSpan);
        }
        else
        {
            WriteRecord(record, _content);
        }
    }

    private void BeginOperation()
    {
        ThrowIfFinished();
        if (!_headerWritten)
        {
            WriteHeader(Options.Profile, Options.Library);
        }
    }

    private void ThrowIfFinished()
    {
        if (_finished)
        {
            throw new InvalidOperationException("The MCAP writer has already finished the file");
        }
    }

    private static ushort NextFreeId(IEnumerable<ushort> used)
    {
        int next = used.Select(id => (int)id).DefaultIfEmpty(0).Max() + 1;
        return next <= ushort.MaxValue ? (ushort)next : throw new InvalidOperationException("No free uint16 ids left");
    }

    /// <summary>Encodes a record in <paramref name="scratch"/> and writes it (padded if paddable); returns its full length.</summary>
    private long WriteRecord(McapRecord record, McapBufferWriter scratch)
    {
        scratch.Clear();
        McapRecordCodec.WriteContent(scratch, record);
        bool paddable = record.Opcode is not (McapOpcode.Message or McapOpcode.Chunk or McapOpcode.DataEnd or McapOpcode.Footer);
        return EmitRecord(record.Opcode, scratch.WrittenSpan, paddable);
    }

    /// <summary>Writes opcode, length and <paramref name="content"/> (plus test padding); returns the record's full length.</summary>
    private long EmitRecord(McapOpcode opcode, ReadOnlySpan<byte> content, bool padded)
    {
        var padding = padded ? Options.RecordPadding : [];
        EmitPrefix(opcode, (ulong)(content.Length + padding.Length));
        Emit(content);
        Emit(padding);
        return McapConstants.RecordPrefixLength + content.Length + padding.Length;
    }

    private void EmitPrefix(McapOpcode opcode, ulong contentLength)
    {
        Span<byte> prefix = stackalloc byte[McapConstants.RecordPrefixLength];
        prefix[0] = (byte)opcode;
        BinaryPrimitives.WriteUInt64LittleEndian(prefix[1..], contentLength);
        Emit(prefix);
    }

    /// <summary>Writes bytes to the stream, adding them to the running CRC (data section or summary) and the position.</summary>
    private void Emit(ReadOnlySpan<byte> bytes)
    {
        _stream.Write(bytes);
        if (Options.UseCrcs)
        {
            _crc.Append(bytes);
        }
        _position += bytes.Length;
    }

    /// <summary><see cref="Emit(ReadOnlySpan{byte})"/> for bytes whose CRC-32 is known (0 when CRCs are off): not read again.</summary>
    private void Emit(ReadOnlySpan<byte> bytes, uint crc)
    {
        _stream.Write(bytes);
        if (Options.UseCrcs)
        {
            _crc.AppendChecksummed(crc, bytes.Length);
        }
        _position += bytes.Length;
    }
}
