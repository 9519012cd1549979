namespace EdgeRig.Upload;

/// <summary>An S3 access key pair. <see cref="ToString"/> shows the key id only: the secret never reaches a log.</summary>
public sealed class S3Credentials(string accessKeyId, string secretAccessKey)
{
    public string AccessKeyId { get; } = accessKeyId;

    public string SecretAccessKey { get; } = secretAccessKey;

    public override string ToString() => $"S3 key {AccessKeyId} (secret hidden)";
}
