using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace EdgeRig.Upload;

/// <summary>
/// <see cref="IUploadTarget"/> over AWSSDK.S3 for one bucket of any S3-compatible store (Ceph RGW, MinIO, AWS): path-style
/// addressing, and the SDK's new default request checksums (aws-chunked trailers, which Ceph 16 refuses) turned down to
/// "when required" — each body carries a Content-MD5 instead. The SDK retries nothing itself: <see cref="RetryRunner"/> does,
/// on the injected clock.
/// </summary>
public sealed class S3UploadTarget : IUploadTarget, IDisposable
{
    private const string Sha256Key = "x-amz-meta-sha256";
    private readonly bool https;

    public S3UploadTarget(UploadOptions options, S3Credentials credentials)
    {
        options.Validate();
        https = options.Endpoint.Scheme == "https";
        Bucket = options.Bucket;
        Client = S3Clients.Create(options.Endpoint, options.Region, options.RequestTimeout, credentials, options.CaFile);
    }

    public string Bucket { get; }

    /// <summary>The SDK client (tests count its requests through its events).</summary>
    public AmazonS3Client Client { get; }

    public async Task<RemoteObject?> HeadAsync(string key, CancellationToken ct)
    {
        try
        {
            var r = await Client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = Bucket, Key = key }, ct).ConfigureAwait(false);
            return new RemoteObject(r.ContentLength, r.Metadata[Sha256Key], r.LastModified is { } t ? new DateTimeOffset(t.ToUniversalTime()) : default);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task PutAsync(string key, Stream body, string contentMd5Base64, ObjectMetadata metadata, CancellationToken ct)
    {
        var request = new PutObjectRequest
        {
            BucketName = Bucket, Key = key, InputStream = body, AutoCloseStream = false, MD5Digest = contentMd5Base64,
            UseChunkEncoding = false, DisablePayloadSigning = https, ContentType = ContentType(key),
        };
        foreach (var (name, value) in metadata.Pairs()) request.Metadata[name] = value;
        await Client.PutObjectAsync(request, ct).ConfigureAwait(false);
    }

    public Task DeleteAsync(string key, CancellationToken ct) =>
        Client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Bucket, Key = key }, ct);

    public async Task<IReadOnlyList<string>> ListMultipartUploadsAsync(string key, CancellationToken ct)
    {
        var r = await Client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = Bucket, Prefix = key }, ct).ConfigureAwait(false);
        return (r.MultipartUploads ?? []).Where(u => u.Key == key).OrderBy(u => u.Initiated).Select(u => u.UploadId).ToList();
    }

    public async Task<string> StartMultipartAsync(string key, ObjectMetadata metadata, CancellationToken ct)
    {
        var request = new InitiateMultipartUploadRequest { BucketName = Bucket, Key = key, ContentType = ContentType(key) };
        foreach (var (name, value) in metadata.Pairs()) request.Metadata[name] = value;
        return (await Client.InitiateMultipartUploadAsync(request, ct).ConfigureAwait(false)).UploadId;
    }

    public async Task<IReadOnlyList<RemotePart>> ListPartsAsync(string key, string uploadId, CancellationToken ct)
    {
        var parts = new List<RemotePart>();
        int? marker = null;
        while (true)
        {
            var r = await Client.ListPartsAsync(new ListPartsRequest { BucketName = Bucket, Key = key, UploadId = uploadId, PartNumberMarker = marker?.ToString() }, ct)
                .ConfigureAwait(false);
            parts.AddRange((r.Parts ?? []).Select(p => new RemotePart(p.PartNumber ?? 0, p.Size ?? 0, p.ETag.Trim('"'))));
            if (r.IsTruncated != true) return parts;
            marker = r.NextPartNumberMarker;
        }
    }

    public async Task<string> PutPartAsync(string key, string uploadId, int number, Stream body, string contentMd5Base64, CancellationToken ct)
    {
        var request = new UploadPartRequest
        {
            BucketName = Bucket, Key = key, UploadId = uploadId, PartNumber = number, InputStream = body, PartSize = body.Length,
            MD5Digest = contentMd5Base64, DisablePayloadSigning = https,
            // one signature over the whole part, as for whole objects, not the SDK's default aws-chunked signing (a signature
            // per 80 KiB and a framing copy): a few per cent less CPU per GiB in scripts/bench upload, within its noise
            UseChunkEncoding = false,
        };
        return (await Client.UploadPartAsync(request, ct).ConfigureAwait(false)).ETag.Trim('"');
    }

    public Task CompleteMultipartAsync(string key, string uploadId, IReadOnlyList<RemotePart> parts, CancellationToken ct) =>
        Client.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = Bucket, Key = key, UploadId = uploadId,
            PartETags = parts.OrderBy(p => p.Number).Select(p => new PartETag(p.Number, p.ETag)).ToList(),
        }, ct); // Ceph 16 answers with an empty ETag: the HEAD after it is what verifies the object

    public Task AbortMultipartAsync(string key, string uploadId, CancellationToken ct) =>
        Client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = Bucket, Key = key, UploadId = uploadId }, ct);

    /// <summary>Failures worth another try: the network, timeouts, throttling and server errors; not refusals (403, 404, 400).</summary>
    public static bool IsTransient(Exception e) => e switch
    {
        AmazonServiceException s when s.StatusCode is 0 => true, // no HTTP answer at all
        AmazonServiceException s => (int)s.StatusCode >= 500 || s.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests
            || s.ErrorCode is "RequestTimeout" or "SlowDown" or "InternalError" or "ServiceUnavailable",
        AmazonClientException or HttpRequestException or IOException or TimeoutException or TaskCanceledException => true,
        _ => e.InnerException is not null && IsTransient(e.InnerException),
    };

    private static string ContentType(string key) => key.EndsWith(".json", StringComparison.Ordinal) ? "application/json" : "application/octet-stream";

    public void Dispose() => Client.Dispose();
}
