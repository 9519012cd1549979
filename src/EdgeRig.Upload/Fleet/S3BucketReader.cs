using System.Net;
using Amazon.S3;
using Amazon.S3.Model;

namespace EdgeRig.Upload.Fleet;

/// <summary>
/// <see cref="IBucketReader"/> over AWSSDK.S3 for one bucket: ListObjectsV2 with a '/' delimiter (so listing the rigs and
/// their sessions never pages through every chunk), and ranged GETs for resumed downloads. A missing object is null; a
/// missing bucket, refused keys or an unreachable endpoint are the SDK's exceptions.
/// </summary>
public sealed class S3BucketReader : IBucketReader, IDisposable
{
    public S3BucketReader(FleetOptions options, S3Credentials credentials)
    {
        options.Validate();
        Bucket = options.Bucket;
        Client = S3Clients.Create(options.Endpoint, options.Region, options.RequestTimeout, credentials);
    }

    public string Bucket { get; }

    /// <summary>The SDK client (tests use it to damage objects on purpose).</summary>
    public AmazonS3Client Client { get; }

    public async Task<IReadOnlyList<string>> ListFoldersAsync(string prefix, CancellationToken ct)
    {
        var folders = new List<string>();
        string? token = null;
        do
        {
            var r = await Client.ListObjectsV2Async(new ListObjectsV2Request
            {
                BucketName = Bucket, Prefix = prefix, Delimiter = "/", ContinuationToken = token,
            }, ct).ConfigureAwait(false);
            foreach (string common in r.CommonPrefixes ?? [])
                if (common.Length > prefix.Length + 1) folders.Add(common[prefix.Length..^1]);
            token = r.IsTruncated == true ? r.NextContinuationToken : null;
        }
        while (token is not null);
        return folders;
    }

    public async Task<ObjectBody?> GetAsync(string key, long offset, CancellationToken ct)
    {
        var request = new GetObjectRequest { BucketName = Bucket, Key = key };
        if (offset > 0) request.ByteRange = new ByteRange($"bytes={offset}-");
        GetObjectResponse response;
        try
        {
            response = await Client.GetObjectAsync(request, ct).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode == "NoSuchKey")
        {
            return null;
        }
        var modified = response.LastModified is { } t ? new DateTimeOffset(t.ToUniversalTime()) : default;
        return new ObjectBody(response.ResponseStream, response.ContentLength, modified, response);
    }

    public void Dispose() => Client.Dispose();
}
