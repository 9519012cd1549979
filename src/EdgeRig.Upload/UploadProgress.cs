namespace EdgeRig.Upload;

/// <summary>
/// How far one session upload is: bytes and objects done (skipped ones included) of the total, and the object being sent.
/// Reported synchronously on the uploading thread after each object and part, so a handler can cancel at an exact point.
/// </summary>
public sealed record UploadProgress(long BytesDone, long BytesTotal, int ObjectsDone, int ObjectsTotal, string? CurrentPath);

/// <summary>
/// What a finished upload did: objects sent and objects already present (skipped after a HEAD showed the same size and
/// SHA-256), bytes sent, and whether the manifest had to be written. Every object was verified by a HEAD before this returns.
/// </summary>
public sealed record UploadResult(
    string ManifestKey, int ObjectsTotal, int ObjectsUploaded, int ObjectsSkipped, long BytesTotal, long BytesUploaded, bool ManifestWritten);
