namespace EdgeRig.Upload.Fleet;

/// <summary>An object's bytes as the store sends them, from an offset: dispose it to end the request.</summary>
public sealed class ObjectBody(Stream content, long length, DateTimeOffset lastModified, IDisposable? response = null) : IDisposable
{
    /// <summary>The bytes from the requested offset to the end.</summary>
    public Stream Content { get; } = content;

    /// <summary>How many bytes <see cref="Content"/> gives (the object's size less the offset).</summary>
    public long Length { get; } = length;

    public DateTimeOffset LastModified { get; } = lastModified;

    public void Dispose()
    {
        Content.Dispose();
        response?.Dispose();
    }
}

/// <summary>
/// The object store as the fleet view reads it: the "folders" under a key prefix (rigs, then sessions) and an object's
/// bytes. Two operations, each one request, failing with the store's own exceptions (the catalogue and the downloader
/// decide what to retry). <see cref="S3BucketReader"/> is the real one; tests wrap it to count what is fetched.
/// </summary>
public interface IBucketReader
{
    /// <summary>
    /// The names of the key "folders" directly under <paramref name="prefix"/> (which ends in '/' or is empty): for
    /// <c>lab/</c> the rigs <c>rig-a</c>, <c>rig-b</c>; without the prefix and the trailing '/'. Objects directly under it are
    /// not listed.
    /// </summary>
    Task<IReadOnlyList<string>> ListFoldersAsync(string prefix, CancellationToken ct);

    /// <summary>The object's bytes from <paramref name="offset"/> (0: all of it), or null if there is no such object.</summary>
    Task<ObjectBody?> GetAsync(string key, long offset, CancellationToken ct);
}
