using EdgeRig.Core;

namespace EdgeRig.Service.Security;

/// <summary>
/// First start: with no token at all, the rig creates an "admin" token and writes its secret to DATA/admin.token
/// (mode 0600, readable only by the service user) so the operator can log in and create the others.
/// </summary>
public static class AdminTokenFile
{
    public const string FileName = "admin.token";

    /// <summary>Creates the first admin token if there is none; returns the file written, or null.</summary>
    public static string? EnsureFirstAdmin(ITokenStore tokens, string dataDir)
    {
        if (tokens.List().Count > 0) return null;
        string secret = tokens.Create("admin", Role.Admin, null);
        string path = Path.Combine(dataDir, FileName);
        using (var f = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        {
            f.Write(System.Text.Encoding.UTF8.GetBytes(secret + "\n"));
            f.Flush(flushToDisk: true);
        }
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Storage.Durability.DurableFs.SyncDirectory(dataDir); // the token is durable in the catalogue: its only copy of the secret must be too
        return path;
    }
}
