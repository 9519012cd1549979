namespace EdgeRig.Privacy;

/// <summary>A frame handed to redaction is not a JPEG that can be decoded; it was not redacted and must not be stored as if it were.</summary>
public sealed class CorruptJpegException(string message) : FormatException(message);
