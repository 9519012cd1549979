using System.Net;
using System.Net.Sockets;

namespace EdgeRig.Upload.Tests;

/// <summary>
/// The real SDK's failures sorted right: an endpoint that is down is retried (the queue backs off and tries again), a
/// refusal (wrong secret) is not. Tiny back-off waits on the real clock; nothing here asserts a duration.
/// </summary>
[Collection(LocalS3Collection.Name)]
public sealed class FailureClassificationTests(LocalS3Fixture s3) : IDisposable
{
    private static readonly RetryPolicy Quick = new(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(2), MaxAttempts: 3);
    private readonly SyntheticPulledSession session = new("S-fail", chunksPerStream: 1, chunkBytes: 1000);

    public void Dispose() => session.Dispose();

    [Fact]
    public async Task EndpointDown_IsRetriedByThePolicyThenReported()
    {
        int closedPort;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        } // nothing listens there now
        var options = new UploadOptions { Endpoint = new Uri($"http://127.0.0.1:{closedPort}"), Bucket = "edgerig", Rig = "rig-a", Retry = Quick };
        using var target = new S3UploadTarget(options, s3.Credentials);
        var retries = new List<RetryNotice>();
        var uploader = new SessionUploader(target, options) { OnRetry = retries.Add };

        var e = await Assert.ThrowsAnyAsync<Exception>(() => uploader.UploadAsync(SessionUploadSource.FromPulledFolder(session.Folder), null, default));

        Assert.True(S3UploadTarget.IsTransient(e), e.ToString());
        Assert.Equal([1, 2], retries.Select(r => r.Failure));
        Assert.All(retries, r => Assert.StartsWith("HEAD rig-a/S-fail/", r.Operation)); // the first request, tried three times
    }

    [Fact]
    public async Task WrongSecret_IsRefusedAtOnceWithoutRetries()
    {
        var options = (await s3.NewBucketAsync()) with { Retry = Quick };
        using var target = new S3UploadTarget(options, new S3Credentials(s3.Credentials.AccessKeyId, "not-the-secret"));
        var retries = new List<RetryNotice>();
        var uploader = new SessionUploader(target, options) { OnRetry = retries.Add };

        var e = await Assert.ThrowsAnyAsync<Exception>(() => uploader.UploadAsync(SessionUploadSource.FromPulledFolder(session.Folder), null, default));

        Assert.False(S3UploadTarget.IsTransient(e), e.ToString());
        Assert.Empty(retries);
        Assert.DoesNotContain("not-the-secret", e.ToString());
    }
}
