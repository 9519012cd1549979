using System.Net;

namespace EdgeRig.Upload;

/// <summary>
/// Checks an S3 endpoint URL: https anywhere, plain http only on loopback (a local MinIO or radosgw), as for the rig's own
/// listener, so keys and data never cross a network in the clear.
/// </summary>
public static class UploadEndpoint
{
    public const string Field = "upload.endpoint";

    /// <exception cref="UploadSettingsException">not an absolute http(s) URL, or http to a host that is not loopback.</exception>
    public static Uri Parse(string? endpoint)
    {
        if (string.IsNullOrWhiteSpace(endpoint)) throw new UploadSettingsException(Field, "is empty (e.g. https://s3.example:443)");
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new UploadSettingsException(Field, $"'{endpoint}' is not an http(s) URL (e.g. https://s3.example:443)");
        if (uri.Scheme == "http" && !IsLoopback(uri))
            throw new UploadSettingsException(Field, $"plain http is allowed only on loopback, not to '{uri.Host}': use https://{uri.Authority}");
        if (uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.UserInfo.Length > 0)
            throw new UploadSettingsException(Field, $"'{endpoint}' must be scheme://host[:port] only (the bucket and prefix are separate fields)");
        return uri;
    }

    public static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
}
