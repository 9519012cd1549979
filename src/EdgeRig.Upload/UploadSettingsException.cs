namespace EdgeRig.Upload;

/// <summary>
/// An upload setting that cannot work (an http endpoint off loopback, a credentials file others can read, a bad bucket name):
/// <see cref="Field"/> names the rig-file field (<c>upload.endpoint</c>, <c>upload.credentialsFile</c>, …) and the message says why.
/// </summary>
public sealed class UploadSettingsException(string field, string message) : Exception($"{field}: {message}")
{
    public string Field { get; } = field;

    /// <summary>Why, without the field (a command line names its own option instead of the rig-file field).</summary>
    public string Reason { get; } = message;
}

/// <summary>An upload that failed for good (a permanent S3 error, retries used up, a local file that does not match its manifest).</summary>
public sealed class UploadException(string message, Exception? inner = null) : Exception(message, inner);
