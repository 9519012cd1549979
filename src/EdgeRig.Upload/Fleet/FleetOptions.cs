namespace EdgeRig.Upload.Fleet;

/// <summary>
/// Where a data team reads the fleet from: the same endpoint, bucket and prefix the rigs upload to (their rig files'
/// <c>upload</c> section), and how patiently to read. No rig name: the fleet view reads every rig under the prefix.
/// </summary>
public sealed record FleetOptions
{
    /// <summary>https://host[:port], or http:// on loopback only (as for uploads: keys never cross a network in the clear).</summary>
    public required Uri Endpoint { get; init; }

    public required string Bucket { get; init; }

    /// <summary>The rigs' <c>upload.prefix</c>, e.g. "lab-a", or "" for none.</summary>
    public string Prefix { get; init; } = "";

    public string Region { get; init; } = "us-east-1";

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>A person is waiting: a few tries with short back-off, then the error (not the rig queue's "forever").</summary>
    public RetryPolicy Retry { get; init; } = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(8), MaxAttempts: 4);

    /// <summary>Requests in flight at once (manifest reads, object downloads).</summary>
    public int Concurrency { get; init; } = 4;

    /// <summary><c>PREFIX/</c>, or "" without a prefix: where the rig folders are.</summary>
    public string Root => Prefix.Trim('/').Length > 0 ? Prefix.Trim('/') + "/" : "";

    /// <exception cref="UploadSettingsException">a field that cannot work, named as the rig file's <c>upload</c> section names it.</exception>
    public FleetOptions Validate()
    {
        UploadEndpoint.Parse(Endpoint.OriginalString);
        UploadOptions.CheckBucket(Bucket);
        if (Prefix.Trim('/').Length > 0) ObjectLayout.CheckPath(Prefix.Trim('/'), "upload.prefix");
        if (Concurrency is < 1 or > 32) throw new UploadSettingsException("fleet.concurrency", $"{Concurrency} is outside 1–32");
        return this;
    }

    internal RetryRunner Runner(TimeProvider? time) =>
        new(Retry, time ?? TimeProvider.System, e => S3UploadTarget.IsTransient(e) && e is not (FileNotFoundException or DirectoryNotFoundException));
}
