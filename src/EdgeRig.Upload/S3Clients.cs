using Amazon.Runtime;
using Amazon.S3;

namespace EdgeRig.Upload;

/// <summary>
/// The one way this library makes an S3 client, for the uploader and the fleet reader alike: path-style addressing (Ceph,
/// MinIO and AWS all take it), the SDK's newer default checksums (aws-chunked trailers, refused by Ceph 16) down to "when
/// required", and no SDK retries (<see cref="RetryRunner"/> retries, on an injectable clock).
/// </summary>
internal static class S3Clients
{
    public static AmazonS3Client Create(Uri endpoint, string region, TimeSpan requestTimeout, S3Credentials credentials, string? caFile = null)
    {
        var config = new AmazonS3Config
        {
            ServiceURL = endpoint.GetLeftPart(UriPartial.Authority),
            AuthenticationRegion = region,
            ForcePathStyle = true,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            MaxErrorRetry = 0,
            Timeout = requestTimeout,
        };
        if (caFile is not null) config.HttpClientFactory = new PrivateCaHttpClientFactory(caFile); // upload.caFile: a private CA, and only it
        return new AmazonS3Client(new BasicAWSCredentials(credentials.AccessKeyId, credentials.SecretAccessKey), config);
    }
}
