using System.Security.Cryptography;

namespace EdgeRig.Upload;

/// <summary>The same bytes arrived differently than they left (a HEAD after the upload shows another size or SHA-256).</summary>
internal sealed class ObjectVerificationException(string message) : Exception(message);

/// <summary>
/// Sends one object and proves it arrived: a single PUT below the multipart threshold, else a multipart upload that reuses
/// the parts an earlier, interrupted run left (matched by size and MD5 ETag), then a HEAD that must show the right size
/// and SHA-256. Every request goes through the <see cref="RetryRunner"/>; bodies pass the bandwidth cap.
/// </summary>
internal sealed class ObjectSender(IUploadTarget target, UploadOptions options, RetryRunner retry, TokenBucket? bucket)
{
    /// <summary>Called with the bytes of each part (or whole object) as it lands.</summary>
    public Action<long>? OnBytesSent { get; init; }

    public async Task SendAsync(PlannedObject o, ObjectMetadata metadata, CancellationToken ct)
    {
        if (o.Size >= options.MultipartThresholdBytes) await SendMultipartAsync(o, metadata, ct).ConfigureAwait(false);
        else
        {
            byte[] body = new byte[o.Size];
            await using (var stream = o.Item.Open()) await stream.ReadExactlyAsync(body, ct).ConfigureAwait(false);
            string md5 = Convert.ToBase64String(MD5.HashData(body));
            await retry.RunAsync($"PUT {o.Key}", async c =>
            {
                await using var s = new ThrottledReadStream(body, bucket);
                await target.PutAsync(o.Key, s, md5, metadata, c).ConfigureAwait(false);
            }, ct).ConfigureAwait(false);
            OnBytesSent?.Invoke(o.Size);
        }
        await VerifyAsync(o.Key, o.Size, o.Sha256, ct).ConfigureAwait(false);
    }

    public Task DeleteAsync(string key, CancellationToken ct) => retry.RunAsync($"DELETE {key}", c => target.DeleteAsync(key, c), ct);

    /// <summary>HEAD: the object must be there with <paramref name="size"/> bytes and SHA-256 <paramref name="sha256"/> in its metadata.</summary>
    public async Task VerifyAsync(string key, long size, string sha256, CancellationToken ct)
    {
        var head = await retry.RunAsync($"HEAD {key}", c => target.HeadAsync(key, c), ct).ConfigureAwait(false);
        if (head is null) throw new ObjectVerificationException($"{key}: not found after upload");
        if (head.Size != size || head.Sha256 != sha256)
            throw new ObjectVerificationException($"{key}: stored {head.Size} bytes, SHA-256 {head.Sha256 ?? "none"}; sent {size} bytes, SHA-256 {sha256}");
    }

    private async Task SendMultipartAsync(PlannedObject o, ObjectMetadata metadata, CancellationToken ct)
    {
        var pending = await retry.RunAsync($"list uploads of {o.Key}", c => target.ListMultipartUploadsAsync(o.Key, c), ct).ConfigureAwait(false);
        foreach (string stale in pending.SkipLast(1))
            await retry.RunAsync($"abort {o.Key}", c => target.AbortMultipartAsync(o.Key, stale, c), ct).ConfigureAwait(false);
        string? uploadId = pending.Count > 0 ? pending[^1] : null;
        var present = new Dictionary<int, RemotePart>();
        if (uploadId is not null)
            foreach (var p in await retry.RunAsync($"list parts of {o.Key}", c => target.ListPartsAsync(o.Key, uploadId, c), ct).ConfigureAwait(false))
                present[p.Number] = p;
        uploadId ??= await retry.RunAsync($"start {o.Key}", c => target.StartMultipartAsync(o.Key, metadata, c), ct).ConfigureAwait(false);

        var parts = new RemotePart[(int)((o.Size + options.PartSizeBytes - 1) / options.PartSizeBytes)];
        var inFlight = new List<Task>();
        try
        {
            await using var stream = o.Item.Open();
            for (int i = 0; i < parts.Length; i++)
            {
                int number = i + 1, index = i;
                byte[] body = new byte[(int)Math.Min(options.PartSizeBytes, o.Size - i * options.PartSizeBytes)];
                await stream.ReadExactlyAsync(body, ct).ConfigureAwait(false);
                byte[] md5 = MD5.HashData(body);
                string md5Hex = Convert.ToHexStringLower(md5);
                if (present.TryGetValue(number, out var done) && done.Size == body.Length && string.Equals(done.ETag, md5Hex, StringComparison.OrdinalIgnoreCase))
                {
                    parts[index] = done; // landed in an earlier run
                    OnBytesSent?.Invoke(body.Length);
                    continue;
                }
                if (inFlight.Count >= options.PartConcurrency)
                {
                    var finished = await Task.WhenAny(inFlight).ConfigureAwait(false);
                    inFlight.Remove(finished);
                    await finished.ConfigureAwait(false);
                }
                inFlight.Add(SendPartAsync(o.Key, uploadId, number, body, md5, part => parts[index] = part, ct));
            }
            await Task.WhenAll(inFlight).ConfigureAwait(false);
        }
        catch
        {
            // a part failed for good or the upload was cancelled: let the other parts end (their outcome no longer matters)
            // before the caller moves on, so no part is still being sent when the upload reports its failure
            await Task.WhenAll(inFlight.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default))).ConfigureAwait(false);
            throw;
        }
        await retry.RunAsync($"complete {o.Key}", c => target.CompleteMultipartAsync(o.Key, uploadId, parts, c), ct).ConfigureAwait(false);
    }

    private async Task SendPartAsync(string key, string uploadId, int number, byte[] body, byte[] md5, Action<RemotePart> landed, CancellationToken ct)
    {
        string etag = await retry.RunAsync($"PUT {key} part {number}", async c =>
        {
            await using var s = new ThrottledReadStream(body, bucket);
            return await target.PutPartAsync(key, uploadId, number, s, Convert.ToBase64String(md5), c).ConfigureAwait(false);
        }, ct).ConfigureAwait(false);
        // the store's ETag for an unencrypted part is its MD5; with SSE-KMS it is not, and the HEAD after completion still checks
        landed(new RemotePart(number, body.Length, etag.Length > 0 ? etag : Convert.ToHexStringLower(md5)));
        OnBytesSent?.Invoke(body.Length);
    }
}
