using System.Security.Cryptography;

namespace EdgeRig.Upload;

/// <summary>
/// An item ready to upload: its key, size and SHA-256, known before a byte is sent (they go into metadata and the manifest).
/// <see cref="HashedWhileSent"/>: the SHA-256 is the one the item's source states, not yet proved; the sender proves it on
/// the one read that sends the parts, and completes the upload only if it holds.
/// </summary>
internal sealed record PlannedObject(UploadItem Item, string Key, long Size, string Sha256)
{
    public bool HashedWhileSent { get; init; }

    /// <summary>
    /// A multipart-sized item whose source states its SHA-256 (a staged export, a pulled chunk) is planned from its length
    /// alone, so its bytes are read once, while they are sent. Any other item is read once here to size and hash it.
    /// </summary>
    public static async Task<PlannedObject> PlanAsync(UploadItem item, string key, long multipartThresholdBytes, CancellationToken ct)
    {
        await using var stream = item.Open();
        if (item.ExpectedSha256 is { Length: 64 } expected && expected.All(char.IsAsciiHexDigit) && stream.CanSeek && stream.Length >= multipartThresholdBytes)
            return new PlannedObject(item, key, stream.Length, expected.ToLowerInvariant()) { HashedWhileSent = true };
        return await HashAsync(item, key, stream, ct).ConfigureAwait(false);
    }

    /// <summary>Reads the item once to size and hash it; refuses an item whose hash differs from the one its manifest expects.</summary>
    private static async Task<PlannedObject> HashAsync(UploadItem item, string key, Stream stream, CancellationToken ct)
    {
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
        CheckExpected(item, hash);
        return new PlannedObject(item, key, size, hash);
    }

    /// <exception cref="UploadException">the bytes read hash to <paramref name="sha256"/>, not to what the item's source states.</exception>
    public static void CheckExpected(UploadItem item, string sha256)
    {
        if (item.ExpectedSha256 is { } expected && !string.Equals(expected, sha256, StringComparison.OrdinalIgnoreCase))
            throw new UploadException($"{item.Path}: SHA-256 {sha256} does not match the session manifest's {expected}: the local copy is damaged, not uploaded");
    }
}
