namespace EdgeRig.Export.Mcap;

/// <summary>Record opcodes defined by the MCAP specification.</summary>
public enum McapOpcode : byte
{
    Header = 0x01,
    Footer = 0x02,
    Schema = 0x03,
    Channel = 0x04,
    Message = 0x05,
    Chunk = 0x06,
    MessageIndex = 0x07,
    ChunkIndex = 0x08,
    Attachment = 0x09,
    AttachmentIndex = 0x0A,
    Statistics = 0x0B,
    Metadata = 0x0C,
    MetadataIndex = 0x0D,
    SummaryOffset = 0x0E,
    DataEnd = 0x0F,
}

/// <summary>Fixed byte sequences and sizes of the MCAP file layout.</summary>
public static class McapConstants
{
    /// <summary>The eight magic bytes that open and close every MCAP file.</summary>
    public static ReadOnlySpan<byte> Magic => [0x89, (byte)'M', (byte)'C', (byte)'A', (byte)'P', 0x30, (byte)'\r', (byte)'\n'];

    /// <summary>Length of the magic in bytes.</summary>
    public const int MagicLength = 8;

    /// <summary>Length of a record prefix: one opcode byte and a uint64 content length.</summary>
    public const int RecordPrefixLength = 9;

    /// <summary>Content length of the fixed-size Footer record.</summary>
    public const int FooterContentLength = 20;

    /// <summary>Compression name of uncompressed chunks.</summary>
    public const string CompressionNone = "";

    /// <summary>Compression name of Zstandard chunks.</summary>
    public const string CompressionZstd = "zstd";

    /// <summary>Compression name of LZ4 frame chunks.</summary>
    public const string CompressionLz4 = "lz4";
}

/// <summary>Thrown when bytes are not a well-formed MCAP file; the message names the defect and its offset.</summary>
public sealed class McapFormatException : IOException
{
    /// <summary>Creates the exception with a message that names what is wrong.</summary>
    public McapFormatException(string message) : base(message) { }

    /// <summary>Creates the exception wrapping the failure that revealed the defect.</summary>
    public McapFormatException(string message, Exception inner) : base(message, inner) { }
}
