namespace EdgeRig.Upload.Tests;

/// <summary>Passes every call to the real target and cancels the upload once <c>partsBeforeCancel</c> parts have landed: a cut at an exact part.</summary>
internal sealed class PartCountingTarget(IUploadTarget inner, int partsBeforeCancel, CancellationTokenSource cancel) : IUploadTarget
{
    private int parts;

    public int PartsSent => parts;

    public async Task<string> PutPartAsync(string key, string uploadId, int number, Stream body, string contentMd5Base64, CancellationToken ct)
    {
        string etag = await inner.PutPartAsync(key, uploadId, number, body, contentMd5Base64, ct);
        if (Interlocked.Increment(ref parts) >= partsBeforeCancel) await cancel.CancelAsync();
        return etag;
    }

    public Task<RemoteObject?> HeadAsync(string key, CancellationToken ct) => inner.HeadAsync(key, ct);
    public Task PutAsync(string key, Stream body, string contentMd5Base64, ObjectMetadata metadata, CancellationToken ct) =>
        inner.PutAsync(key, body, contentMd5Base64, metadata, ct);
    public Task DeleteAsync(string key, CancellationToken ct) => inner.DeleteAsync(key, ct);
    public Task<IReadOnlyList<string>> ListMultipartUploadsAsync(string key, CancellationToken ct) => inner.ListMultipartUploadsAsync(key, ct);
    public Task<string> StartMultipartAsync(string key, ObjectMetadata metadata, CancellationToken ct) => inner.StartMultipartAsync(key, metadata, ct);
    public Task<IReadOnlyList<RemotePart>> ListPartsAsync(string key, string uploadId, CancellationToken ct) => inner.ListPartsAsync(key, uploadId, ct);
    public Task CompleteMultipartAsync(string key, string uploadId, IReadOnlyList<RemotePart> parts, CancellationToken ct) =>
        inner.CompleteMultipartAsync(key, uploadId, parts, ct);
    public Task AbortMultipartAsync(string key, string uploadId, CancellationToken ct) => inner.AbortMultipartAsync(key, uploadId, ct);
}
