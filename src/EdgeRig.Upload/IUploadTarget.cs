namespace EdgeRig.Upload;

/// <summary>What a HEAD says about an object: its size and the SHA-256 the uploader stored in its metadata (null if none).</summary>
public sealed record RemoteObject(long Size, string? Sha256, DateTimeOffset LastModified);

/// <summary>A part of an unfinished multipart upload: number, size and ETag (an MD5 hex for unencrypted parts).</summary>
public sealed record RemotePart(int Number, long Size, string ETag);

/// <summary>User metadata every object carries (x-amz-meta-*): the rig, the session, the software and the object's SHA-256.</summary>
public sealed record ObjectMetadata(string Rig, string Session, string Software, string Sha256)
{
    public IEnumerable<KeyValuePair<string, string>> Pairs()
    {
        yield return new("rig", Rig);
        yield return new("session", Session);
        yield return new("software", Software);
        yield return new("sha256", Sha256);
    }
}

/// <summary>
/// The object store as the uploader needs it: a handful of S3 operations on one bucket, each one request, failing with the
/// store's own exceptions (the uploader decides what to retry). <see cref="S3UploadTarget"/> is the real one; tests and the
/// service's queue may wrap it (counting requests, injecting faults).
/// </summary>
public interface IUploadTarget
{
    /// <summary>The object's size and stored SHA-256, or null if there is no such object.</summary>
    Task<RemoteObject?> HeadAsync(string key, CancellationToken ct);

    /// <summary>Puts a whole object; <paramref name="contentMd5Base64"/> makes the store refuse a body damaged on the way.</summary>
    Task PutAsync(string key, Stream body, string contentMd5Base64, ObjectMetadata metadata, CancellationToken ct);

    Task DeleteAsync(string key, CancellationToken ct);

    /// <summary>Upload ids of multipart uploads of <paramref name="key"/> begun and not finished, oldest first.</summary>
    Task<IReadOnlyList<string>> ListMultipartUploadsAsync(string key, CancellationToken ct);

    Task<string> StartMultipartAsync(string key, ObjectMetadata metadata, CancellationToken ct);

    Task<IReadOnlyList<RemotePart>> ListPartsAsync(string key, string uploadId, CancellationToken ct);

    /// <summary>Uploads one part; returns its ETag.</summary>
    Task<string> PutPartAsync(string key, string uploadId, int number, Stream body, string contentMd5Base64, CancellationToken ct);

    Task CompleteMultipartAsync(string key, string uploadId, IReadOnlyList<RemotePart> parts, CancellationToken ct);

    Task AbortMultipartAsync(string key, string uploadId, CancellationToken ct);
}
