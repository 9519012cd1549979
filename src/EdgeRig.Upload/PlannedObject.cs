using System.Security.Cryptography;

namespace EdgeRig.Upload;

/// <summary>An item hashed before upload: its key, size and SHA-256, known before a byte is sent (they go into metadata and the manifest).</summary>
internal sealed record PlannedObject(UploadItem Item, string Key, long Size, string Sha256)
{
    /// <summary>Reads the item once to size and hash it; refuses an item whose hash differs from the one its manifest expects.</summary>
    public static async Task<PlannedObject> HashAsync(UploadItem item, string key, CancellationToken ct)
    {
        await using var stream = item.Open();
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[1 << 16];
        long size = 0;
        int n;
        while ((n = await stream.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
        {
            sha.AppendData(buffer, 0, n);
            size += n;
        }
        string hash = Convert.ToHexStringLower(sha.GetHashAndReset());
        if (item.ExpectedSha256 is { } expected && !string.Equals(expected, hash, StringComparison.OrdinalIgnoreCase))
            throw new UploadException($"{item.Path}: SHA-256 {hash} does not match the session manifest's {expected}: the local copy is damaged, not uploaded");
        return new PlannedObject(item, key, size, hash);
    }
}
