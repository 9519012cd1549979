namespace EdgeRig.Privacy;

/// <summary>A key file or credential is refused: unsafe mode or owner, or not a key file. The message names the file, never a key.</summary>
public sealed class KeyFileException(string path, string message) : IOException(message)
{
    public string Path { get; } = path;
}
