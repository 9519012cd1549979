namespace EdgeRig.Export.Mcap;

/// <summary>Chunk compression algorithms supported by <see cref="McapWriter"/>.</summary>
public enum McapCompression
{
    /// <summary>Chunks are stored uncompressed (compression name "").</summary>
    None,

    /// <summary>Chunks are Zstandard frames (compression name "zstd").</summary>
    Zstd,

    /// <summary>Chunks are LZ4 frames (compression name "lz4").</summary>
    Lz4,
}

/// <summary>Everything that shapes the bytes an <see cref="McapWriter"/> produces; defaults give a fully indexed file.</summary>
public sealed record McapWriterOptions
{
    /// <summary>Profile written in the Header when <see cref="McapWriter.WriteHeader"/> is not called explicitly.</summary>
    public string Profile { get; init; } = "";

    /// <summary>Library written in the Header when <see cref="McapWriter.WriteHeader"/> is not called explicitly.</summary>
    public string Library { get; init; } = "EdgeRig.Export";

    /// <summary>Put Schema, Channel and Message records into Chunk records (feature "ch").</summary>
    public bool UseChunks { get; init; } = true;

    /// <summary>Uncompressed bytes after which the open chunk is closed and written.</summary>
    public int ChunkSize { get; init; } = 1024 * 1024;

    /// <summary>Compression applied to each chunk.</summary>
    public McapCompression Compression { get; init; } = McapCompression.Zstd;

    /// <summary>Zstandard level used when <see cref="Compression"/> is <see cref="McapCompression.Zstd"/>.</summary>
    public int ZstdLevel { get; init; } = 3;

    /// <summary>Write one MessageIndex record per channel after each chunk (feature "mx").</summary>
    public bool WriteMessageIndexes { get; init; } = true;

    /// <summary>Write a Statistics record in the summary (feature "st").</summary>
    public bool WriteStatistics { get; init; } = true;

    /// <summary>Repeat every Schema record in the summary (feature "rsh").</summary>
    public bool RepeatSchemas { get; init; } = true;

    /// <summary>Repeat every Channel record in the summary (feature "rch").</summary>
    public bool RepeatChannels { get; init; } = true;

    /// <summary>Write an AttachmentIndex per attachment in the summary (feature "ax").</summary>
    public bool WriteAttachmentIndex { get; init; } = true;

    /// <summary>Write a MetadataIndex per metadata record in the summary (feature "mdx").</summary>
    public bool WriteMetadataIndex { get; init; } = true;

    /// <summary>Write a ChunkIndex per chunk in the summary (feature "chx").</summary>
    public bool WriteChunkIndex { get; init; } = true;

    /// <summary>Write SummaryOffset records for each non-empty summary group (feature "sum").</summary>
    public bool WriteSummaryOffsets { get; init; } = true;

    /// <summary>Compute the data section, summary, chunk and attachment CRCs; when false they are written as 0.</summary>
    public bool UseCrcs { get; init; } = true;

    /// <summary>Test hook: bytes appended to every paddable record (the conformance "pad" variants).</summary>
    internal byte[] RecordPadding { get; init; } = [];

    /// <summary>Options that match no conformance feature: no chunks and no summary records at all.</summary>
    public static McapWriterOptions Minimal { get; } = new()
    {
        Library = "",
        UseChunks = false,
        Compression = McapCompression.None,
        WriteMessageIndexes = false,
        WriteStatistics = false,
        RepeatSchemas = false,
        RepeatChannels = false,
        WriteAttachmentIndex = false,
        WriteMetadataIndex = false,
        WriteChunkIndex = false,
        WriteSummaryOffsets = false,
    };
}
