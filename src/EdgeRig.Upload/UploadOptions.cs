namespace EdgeRig.Upload;

/// <summary>
/// Where and how one rig uploads: the S3 endpoint, bucket and key prefix, the rig's name (RIG in the object layout), and
/// the knobs the rig file's <c>upload</c> section sets. One options type, checked once by <see cref="Validate"/>.
/// </summary>
public sealed record UploadOptions
{
    public const long MiB = 1024 * 1024;

    /// <summary>https://host[:port], or http:// on loopback only (see <see cref="UploadEndpoint"/>).</summary>
    public required Uri Endpoint { get; init; }

    public required string Bucket { get; init; }

    /// <summary>The first key component(s), e.g. "lab-a" or "" for none.</summary>
    public string Prefix { get; init; } = "";

    /// <summary>The rig's name (its rig file's name): the RIG component of every key.</summary>
    public required string Rig { get; init; }

    public string Region { get; init; } = "us-east-1";

    /// <summary>Stored in every object's metadata (x-amz-meta-software).</summary>
    public string SoftwareVersion { get; init; } = "unknown";

    /// <summary>Files at least this large go up in parts (S3's smallest part is 5 MiB).</summary>
    public long MultipartThresholdBytes { get; init; } = 16 * MiB;

    public long PartSizeBytes { get; init; } = 8 * MiB;

    /// <summary>Parts of one file in flight at once.</summary>
    public int PartConcurrency { get; init; } = 2;

    /// <summary>Bandwidth cap in MiB/s; 0 is none.</summary>
    public double MaxMiBps { get; init; }

    public RetryPolicy Retry { get; init; } = RetryPolicy.Default;

    /// <summary>A PEM file of the private CA the endpoint's certificate chains to; null: the system's trust store.</summary>
    public string? CaFile { get; init; }

    /// <summary>How long one S3 request may take before it counts as failed (and is retried).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <exception cref="UploadSettingsException">a field that cannot work, named as in the rig file.</exception>
    public UploadOptions Validate()
    {
        UploadEndpoint.Parse(Endpoint.OriginalString);
        CheckBucket(Bucket);
        if (Prefix.Length > 0) ObjectLayout.CheckPath(Prefix, "upload.prefix");
        ObjectLayout.CheckComponent(Rig, "rig name");
        if (PartSizeBytes < 5 * MiB || PartSizeBytes > 512 * MiB)
            throw new UploadSettingsException("upload.partSizeMiB", $"{PartSizeBytes / (double)MiB} MiB is outside 5–512 MiB");
        if (MultipartThresholdBytes < PartSizeBytes)
            throw new UploadSettingsException("upload.multipartThresholdMiB", "must be at least the part size");
        if (PartConcurrency is < 1 or > 16) throw new UploadSettingsException("upload.partConcurrency", $"{PartConcurrency} is outside 1–16");
        if (MaxMiBps < 0 || double.IsNaN(MaxMiBps)) throw new UploadSettingsException("upload.maxMiBps", $"{MaxMiBps} is negative (0 means no cap)");
        if (CaFile is not null && Endpoint.Scheme != "https")
            throw new UploadSettingsException("upload.caFile", "is for https endpoints only");
        return this;
    }

    /// <exception cref="UploadSettingsException">not an S3 bucket name.</exception>
    public static string CheckBucket(string bucket)
    {
        if (bucket.Length is < 3 or > 63 || !bucket.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.')
            || !char.IsAsciiLetterOrDigit(bucket[0]) || !char.IsAsciiLetterOrDigit(bucket[^1]))
            throw new UploadSettingsException("upload.bucket", $"'{bucket}' is not an S3 bucket name (3–63 of a-z 0-9 . -)");
        return bucket;
    }
}
