using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace EdgeRig.Upload;

/// <summary>The same bytes arrived differently than they left (a HEAD after the upload shows another size or SHA-256).</summary>
internal sealed class ObjectVerificationException(string message) : Exception(message);

/// <summary>
/// Sends one object and proves it arrived: a single PUT below the multipart threshold, else a multipart upload that reuses
/// the parts an earlier, interrupted run left (matched by size and MD5 ETag), then a HEAD that must show the right size
/// and SHA-256. A multipart object whose SHA-256 its source stated is hashed on the read that sends it and completed only if
/// the hash holds. Every request goes through the <see cref="RetryRunner"/>; bodies pass the bandwidth cap.
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
        string? sha256 = await SendPartsAsync(o, uploadId, present, parts, ct).ConfigureAwait(false);
        if (sha256 is not null && sha256 != o.Sha256)
        {
            // the bytes are not what their source stated: never complete them into an object
            await retry.RunAsync($"abort {o.Key}", c => target.AbortMultipartAsync(o.Key, uploadId, c), ct).ConfigureAwait(false);
            PlannedObject.CheckExpected(o.Item, sha256);
            throw new UploadException($"{o.Key}: read SHA-256 {sha256}, planned {o.Sha256}");
        }
        await retry.RunAsync($"complete {o.Key}", c => target.CompleteMultipartAsync(o.Key, uploadId, parts, c), ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads the item once, part by part, into at most <see cref="UploadOptions.PartConcurrency"/> + 1 buffers reused from part
    /// to part; each part not already landed is hashed (MD5) and sent on its own task, <see cref="UploadOptions.PartConcurrency"/>
    /// at a time, while the next is read. Returns the SHA-256 of everything read when <see cref="PlannedObject.HashedWhileSent"/>.
    /// </summary>
    private async Task<string?> SendPartsAsync(PlannedObject o, string uploadId, Dictionary<int, RemotePart> present, RemotePart[] parts, CancellationToken ct)
    {
        using var sha = o.HashedWhileSent ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
        var free = new ConcurrentStack<byte[]>();
        var inFlight = new List<Task>();
        try
        {
            await using var stream = o.Item.Open();
            for (int i = 0; i < parts.Length; i++)
            {
                int number = i + 1, index = i;
                int length = (int)Math.Min(options.PartSizeBytes, o.Size - i * options.PartSizeBytes);
                byte[] buffer = free.TryPop(out var reused) ? reused : new byte[options.PartSizeBytes];
                var body = buffer.AsMemory(0, length);
                await stream.ReadExactlyAsync(body, ct).ConfigureAwait(false);
                sha?.AppendData(body.Span);
                if (present.TryGetValue(number, out var done) && done.Size == length
                    && string.Equals(done.ETag, Convert.ToHexStringLower(MD5.HashData(body.Span)), StringComparison.OrdinalIgnoreCase))
                {
                    parts[index] = done; // landed in an earlier run
                    free.Push(buffer);
                    OnBytesSent?.Invoke(length);
                    continue;
                }
                if (inFlight.Count >= options.PartConcurrency)
                {
                    var finished = await Task.WhenAny(inFlight).ConfigureAwait(false);
                    inFlight.Remove(finished);
                    await finished.ConfigureAwait(false);
                }
                inFlight.Add(Task.Run(async () =>
                {
                    try { parts[index] = await SendPartAsync(o.Key, uploadId, number, body, ct).ConfigureAwait(false); }
                    finally { free.Push(buffer); }
                }, CancellationToken.None));
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
        return sha is null ? null : Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private async Task<RemotePart> SendPartAsync(string key, string uploadId, int number, ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        byte[] md5 = MD5.HashData(body.Span);
        string etag = await retry.RunAsync($"PUT {key} part {number}", async c =>
        {
            await using var s = new ThrottledReadStream(body, bucket);
            return await target.PutPartAsync(key, uploadId, number, s, Convert.ToBase64String(md5), c).ConfigureAwait(false);
        }, ct).ConfigureAwait(false);
        OnBytesSent?.Invoke(body.Length);
        // the store's ETag for an unencrypted part is its MD5; with SSE-KMS it is not, and the HEAD after completion still checks
        return new RemotePart(number, body.Length, etag.Length > 0 ? etag : Convert.ToHexStringLower(md5));
    }
}
