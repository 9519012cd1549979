namespace EdgeRig.Core;

/// <summary>The rig file's "upload" section: where finished sessions go by themselves (an S3-compatible bucket). Absent: the
/// rig uploads nothing. This checks the section's shape; the endpoint rule, bucket naming and the credentials file are
/// checked when the service starts (EdgeRig.Upload), with errors naming the same fields.</summary>
public sealed partial record RigProfile
{
    public UploadProfile? Upload { get; init; }

    private void ValidateUpload(string file) => Upload?.Validate(file);
}

/// <summary>Upload policy of a rig (rig file section "upload"). README "Fleet upload".</summary>
public sealed record UploadProfile
{
    /// <summary>What may be uploaded: the lossless chunks, the MCAP export, the aligned dataset.</summary>
    public static readonly IReadOnlyList<string> KnownFormats = ["session", "mcap", "dataset"];

    /// <summary>The systemd credential read when <see cref="CredentialsFile"/> is empty (LoadCredential=edgerig-s3-credentials:...).</summary>
    public const string SystemdCredential = "edgerig-s3-credentials";

    /// <summary>https://host[:port]; plain http:// only to loopback.</summary>
    public string Endpoint { get; init; } = "";
    public string Bucket { get; init; } = "";
    /// <summary>First key component(s) of every object ("" for none).</summary>
    public string Prefix { get; init; } = "";
    public string Region { get; init; } = "us-east-1";
    /// <summary>AWS shared-credentials INI file (mode 0600); empty: the systemd credential <see cref="SystemdCredential"/>.</summary>
    public string CredentialsFile { get; init; } = "";
    /// <summary>The INI profile to read.</summary>
    public string Profile { get; init; } = "default";
    public IReadOnlyList<string> Formats { get; init; } = ["session", "mcap"];
    /// <summary>Free the rig's copy once every object is verified in the bucket and the manifest is in place.</summary>
    public bool DeleteAfterUpload { get; init; }
    /// <summary>Bandwidth cap in MiB/s; 0 is none.</summary>
    public double MaxMiBps { get; init; }
    /// <summary>A PEM file of the CA that signed the endpoint's certificate (a private CA); null: the system's trust store.</summary>
    public string? CaFile { get; init; }
    /// <summary>Longest wait between retries of a failing S3 request (back-off doubles from 0.5 s up to this).</summary>
    public double RetryMaxSeconds { get; init; } = 300;

    internal void Validate(string file)
    {
        void Fail(string field, string problem) => throw new RigProfileException(file, $"upload.{field}", problem);
        if (string.IsNullOrWhiteSpace(Endpoint)) Fail("endpoint", "is required (https://host[:port], or http:// on loopback)");
        if (string.IsNullOrWhiteSpace(Bucket)) Fail("bucket", "is required");
        if (string.IsNullOrWhiteSpace(Profile)) Fail("profile", "must name the credentials file's profile (default: \"default\")");
        if (Formats.Count == 0) Fail("formats", $"must list at least one of {string.Join(", ", KnownFormats)}");
        foreach (var f in Formats)
            if (!KnownFormats.Contains(f)) Fail("formats", $"'{TerminalText.Escape(f)}' is not one of {string.Join(", ", KnownFormats)}");
        if (Formats.Distinct().Count() != Formats.Count) Fail("formats", "lists a format twice");
        if (MaxMiBps < 0 || double.IsNaN(MaxMiBps) || double.IsInfinity(MaxMiBps)) Fail("maxMiBps", $"must be >= 0 (0 means no cap), was {MaxMiBps}");
        if (RetryMaxSeconds is < 1 or > 3600 || double.IsNaN(RetryMaxSeconds)) Fail("retryMaxSeconds", $"must be 1..3600, was {RetryMaxSeconds}");
        if (CaFile is { Length: 0 }) Fail("caFile", "is empty; leave it out (or null) to use the system's trust store");
    }
}
