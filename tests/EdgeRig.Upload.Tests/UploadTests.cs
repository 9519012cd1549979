using Xunit.Abstractions;

namespace EdgeRig.Upload.Tests;

/// <summary>
/// Uploads against a real radosgw (scripts/s3-local), checked with an independent client (Node @aws-sdk/client-s3): the
/// object layout, manifest last, every SHA-256, idempotent re-runs, and interrupted uploads resumed without damage.
/// </summary>
[Collection(LocalS3Collection.Name)]
public sealed class UploadTests(LocalS3Fixture s3, ITestOutputHelper output) : IDisposable
{
    private const long MiB = UploadOptions.MiB;
    private readonly SyntheticPulledSession session = new("S20261206-1", chunksPerStream: 4, chunkBytes: 40_000);

    public void Dispose() => session.Dispose();

    /// <summary>A session with a multipart "MCAP" (3 parts of 5 MiB + a tail) beside its chunks.</summary>
    private SessionUploadSource SourceWithMcap() => SessionUploadSource.FromPulledFolder(session.Folder,
        UploadItem.FromFile(ObjectLayout.McapName(session.SessionId), session.WriteLargeFile("session.mcap", 17 * MiB + 123)));

    private static UploadOptions Multipart(UploadOptions o, int concurrency = 2) =>
        o with { PartSizeBytes = 5 * MiB, MultipartThresholdBytes = 6 * MiB, PartConcurrency = concurrency };

    private (SessionUploader Uploader, RequestCounter Requests, S3UploadTarget Target) NewUploader(UploadOptions options, IUploadTarget? wrap = null)
    {
        var target = new S3UploadTarget(options, s3.Credentials);
        return (new SessionUploader(wrap ?? target, options), new RequestCounter(target.Client), target);
    }

    [Fact]
    public async Task PulledFolder_Uploaded_NodeClientSeesEveryObjectWithItsHashAndTheManifestLast()
    {
        var options = Multipart(await s3.NewBucketAsync());
        var (uploader, requests, target) = NewUploader(options);
        using var _t = target;
        var source = SourceWithMcap();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var result = await uploader.UploadAsync(source, null, CancellationToken.None);
        output.WriteLine($"radosgw answered {s3.StartTime.TotalSeconds:F1} s after scripts/s3-local start; uploaded {result.BytesUploaded / 1e6:F1} MB " +
            $"in {result.ObjectsUploaded} objects at {result.BytesUploaded / 1e6 / watch.Elapsed.TotalSeconds:F1} MB/s (hashing included)");

        string root = "lab/rig-a/" + session.SessionId + "/";
        var view = await NodeS3View.ReadAsync(s3, options.Bucket, root);
        var manifest = UploadManifest.Parse(System.Text.Encoding.UTF8.GetBytes(view.Manifest.GetRawText()), "manifest.json");
        Assert.Equal(root + "manifest.json", result.ManifestKey);
        Assert.Equal(9, manifest.Objects.Count); // 8 chunks + the MCAP
        Assert.Equal(manifest.Objects.Select(o => root + o.Path).Append(root + "manifest.json").Order(StringComparer.Ordinal),
            view.Objects.Select(o => o.Key)); // nothing else (no .pull-state.jsonl), nothing missing
        Assert.Contains(manifest.Objects, o => o.Path == "chunks/cam0/000003.chunk");
        Assert.Contains(manifest.Objects, o => o.Path == session.SessionId + ".mcap" && o.Size == 17 * MiB + 123);
        var committed = view.Get(root + "manifest.json");
        foreach (var o in manifest.Objects)
        {
            var seen = view.Get(root + o.Path);
            Assert.Equal((o.Size, o.Sha256), (seen.DownloadedBytes, seen.Sha256));
            Assert.True(committed.LastModified >= seen.LastModified, $"manifest.json is older than {o.Path}");
            Assert.Equal(("rig-a", session.SessionId, "test-1.0", o.Sha256),
                (seen.Metadata["rig"], seen.Metadata["session"], seen.Metadata["software"], seen.Metadata["sha256"]));
        }
        Assert.Equal(session.Manifest.SessionSha256, manifest.PulledSession!.SessionSha256);
        Assert.Equal(session.Manifest.Chunks.Select(c => c.Sha256), manifest.PulledSession.Chunks.Select(c => c.Sha256));
        Assert.Empty(view.PendingMultipart);
        Assert.Equal(9 + 1, requests.WriteLog.Count); // 8 PUTs, 1 COMPLETE, then the manifest
        Assert.Equal("PUT " + root + "manifest.json", requests.WriteLog[^1]);
    }

    [Fact]
    public async Task UploadedSession_RunAgain_SendsNoWriteAndChangesNoObject()
    {
        var options = Multipart(await s3.NewBucketAsync());
        string root = "lab/rig-a/" + session.SessionId + "/";
        var (first, firstRequests, t1) = NewUploader(options);
        using var _1 = t1;
        await first.UploadAsync(SourceWithMcap(), null, CancellationToken.None);
        var before = await NodeS3View.ReadAsync(s3, options.Bucket, root);

        var (again, requests, t2) = NewUploader(options);
        using var _2 = t2;
        var result = await again.UploadAsync(SourceWithMcap(), null, CancellationToken.None);

        Assert.True(firstRequests.Writes >= 10, $"the first run wrote {firstRequests.Writes} times"); // the counter sees writes at all
        Assert.Equal(0, requests.Writes);
        Assert.Equal((0, 9, false, 0L), (result.ObjectsUploaded, result.ObjectsSkipped, result.ManifestWritten, result.BytesUploaded));
        var after = await NodeS3View.ReadAsync(s3, options.Bucket, root);
        Assert.Equal(before.Objects, after.Objects, (a, b) => (a.Key, a.LastModified, a.Sha256) == (b.Key, b.LastModified, b.Sha256));
    }

    [Fact]
    public async Task UploadedSession_ObjectDamagedInTheBucket_RunAgainUncommitsRepairsItAndCommitsLast()
    {
        var options = await s3.NewBucketAsync();
        string root = "lab/rig-a/" + session.SessionId + "/";
        var (first, _, t1) = NewUploader(options);
        using var _1 = t1;
        await first.UploadAsync(SessionUploadSource.FromPulledFolder(session.Folder), null, CancellationToken.None);
        string damaged = root + session.Manifest.Chunks[5].File;
        await t1.Client.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest { BucketName = options.Bucket, Key = damaged, ContentBody = "garbage" });

        var (again, requests, t2) = NewUploader(options);
        using var _2 = t2;
        var result = await again.UploadAsync(SessionUploadSource.FromPulledFolder(session.Folder), null, CancellationToken.None);

        Assert.Equal((1, 7, true), (result.ObjectsUploaded, result.ObjectsSkipped, result.ManifestWritten));
        Assert.Equal(["DELETE " + root + "manifest.json", "PUT " + damaged, "PUT " + root + "manifest.json"], requests.WriteLog);
        await AssertCompleteAsync(options.Bucket, root);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(8)]
    public async Task Upload_CancelledAfterSomeObjects_ResumedCompletesWithoutDuplicateOrCorruptObject(int objectsBeforeCancel)
    {
        var options = Multipart(await s3.NewBucketAsync());
        string root = "lab/rig-a/" + session.SessionId + "/";
        using var cts = new CancellationTokenSource();
        var (first, _, t1) = NewUploader(options);
        using var _1 = t1;
        var cancelAt = new SynchronousProgress(p => { if (p.ObjectsDone >= objectsBeforeCancel && p.CurrentPath is not null) cts.Cancel(); });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.UploadAsync(SourceWithMcap(), cancelAt, cts.Token));
        var cut = await NodeS3View.ReadAsync(s3, options.Bucket, root);
        Assert.DoesNotContain(cut.Objects, o => o.Key.EndsWith("manifest.json", StringComparison.Ordinal)); // not committed
        Assert.Equal(objectsBeforeCancel, cut.Objects.Count);

        var (resumed, _, t2) = NewUploader(options);
        using var _2 = t2;
        var result = await resumed.UploadAsync(SourceWithMcap(), null, CancellationToken.None);

        Assert.Equal((9 - objectsBeforeCancel, objectsBeforeCancel), (result.ObjectsUploaded, result.ObjectsSkipped));
        await AssertCompleteAsync(options.Bucket, root);
    }

    [Fact]
    public async Task Multipart_CancelledAfterTwoParts_ResumeSendsOnlyTheOtherParts()
    {
        var options = Multipart(await s3.NewBucketAsync(), concurrency: 1) with { MultipartThresholdBytes = 5 * MiB };
        string root = "lab/rig-a/" + session.SessionId + "/";
        string mcap = ObjectLayout.McapName(session.SessionId);
        var source = SessionUploadSource.FromItems(session.SessionId, UploadItem.FromFile(mcap, session.WriteLargeFile("big.mcap", 23 * MiB)));
        using var cts = new CancellationTokenSource();
        using var t1 = new S3UploadTarget(options, s3.Credentials);
        var cutting = new PartCountingTarget(t1, partsBeforeCancel: 2, cts);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new SessionUploader(cutting, options).UploadAsync(source, null, cts.Token));
        var cut = await NodeS3View.ReadAsync(s3, options.Bucket, root);
        Assert.Empty(cut.Objects);
        Assert.Single(cut.PendingMultipart);

        var (resumed, requests, t2) = NewUploader(options);
        using var _2 = t2;
        await resumed.UploadAsync(source, null, CancellationToken.None);

        Assert.Equal(2, cutting.PartsSent);
        Assert.Equal(5 - 2, requests["UploadPartRequest"]); // 23 MiB in 5 MiB parts: 5 parts, 2 already there
        Assert.Equal(0, requests["InitiateMultipartUploadRequest"]);
        await AssertCompleteAsync(options.Bucket, root);
    }

    [Fact]
    public async Task StaleMultipartUploadWithOtherMetadata_FailsItsHead_IsDeletedAndSentAgain()
    {
        var options = Multipart(await s3.NewBucketAsync(), concurrency: 1);
        string root = "lab/rig-a/" + session.SessionId + "/";
        string mcapKey = root + ObjectLayout.McapName(session.SessionId);
        string file = session.WriteLargeFile("stale.mcap", 11 * MiB);
        using (var setup = new S3UploadTarget(options, s3.Credentials))
        {
            // an earlier run's upload of this key that claims another SHA-256, with its first part matching the local bytes
            string id = await setup.StartMultipartAsync(mcapKey, new ObjectMetadata("rig-a", session.SessionId, "old", new string('0', 64)), default);
            byte[] part = new byte[5 * MiB];
            await using (var f = File.OpenRead(file)) await f.ReadExactlyAsync(part);
            await setup.PutPartAsync(mcapKey, id, 1, new MemoryStream(part), Convert.ToBase64String(System.Security.Cryptography.MD5.HashData(part)), default);
        }
        var (uploader, requests, t) = NewUploader(options);
        using var _t = t;

        await uploader.UploadAsync(SessionUploadSource.FromItems(session.SessionId, UploadItem.FromFile(ObjectLayout.McapName(session.SessionId), file)),
            null, CancellationToken.None);

        Assert.Equal(["COMPLETE " + mcapKey, "DELETE " + mcapKey, "COMPLETE " + mcapKey, "PUT " + root + "manifest.json"], requests.WriteLog);
        await AssertCompleteAsync(options.Bucket, root);
    }

    [Fact]
    public async Task DamagedLocalChunk_IsRefusedNamingIt_AndNothingIsCommitted()
    {
        var options = await s3.NewBucketAsync();
        var chunk = session.Manifest.Chunks[2];
        File.WriteAllBytes(Path.Combine(session.Folder, chunk.File), [1, 2, 3]);
        var (uploader, requests, t) = NewUploader(options);
        using var _t = t;

        var e = await Assert.ThrowsAsync<UploadException>(() => uploader.UploadAsync(SessionUploadSource.FromPulledFolder(session.Folder), null, CancellationToken.None));

        Assert.Contains(chunk.File, e.Message);
        Assert.Equal(0, requests.Writes);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Multipart_SourceStatesItsSha256_FileReadOnceAndUploadVerified(int concurrency)
    {
        var options = Multipart(await s3.NewBucketAsync(), concurrency);
        string root = "lab/rig-a/" + session.SessionId + "/";
        string file = session.WriteLargeFile("stated.mcap", 17 * MiB + 123);
        string sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(file)));
        long bytesRead = 0;
        var item = new UploadItem(ObjectLayout.McapName(session.SessionId), () => new CountingReadStream(File.OpenRead(file), n => Interlocked.Add(ref bytesRead, n)), sha256);
        var (uploader, requests, t) = NewUploader(options);
        using var _t = t;

        await uploader.UploadAsync(SessionUploadSource.FromItems(session.SessionId, item), null, CancellationToken.None);

        Assert.Equal(17 * MiB + 123, bytesRead); // no hashing pass before the parts: the one read that sends them hashes them
        Assert.Equal(4, requests["UploadPartRequest"]);
        Assert.Equal(sha256, (await NodeS3View.ReadAsync(s3, options.Bucket, root)).Get(root + item.Path).Sha256);
        await AssertCompleteAsync(options.Bucket, root);
    }

    [Fact]
    public async Task Multipart_StatedSha256DiffersFromTheBytes_RefusedNamingIt_UploadAbortedAndNothingCommitted()
    {
        var options = Multipart(await s3.NewBucketAsync());
        string root = "lab/rig-a/" + session.SessionId + "/";
        string path = ObjectLayout.McapName(session.SessionId);
        var item = UploadItem.FromFile(path, session.WriteLargeFile("damaged.mcap", 11 * MiB), new string('a', 64));
        var (uploader, requests, t) = NewUploader(options);
        using var _t = t;

        var e = await Assert.ThrowsAsync<UploadException>(() => uploader.UploadAsync(SessionUploadSource.FromItems(session.SessionId, item), null, CancellationToken.None));

        Assert.Contains(path, e.Message);
        Assert.Equal(0, requests["CompleteMultipartUploadRequest"]);
        var view = await NodeS3View.ReadAsync(s3, options.Bucket, root);
        Assert.Empty(view.Objects);
        Assert.Empty(view.PendingMultipart); // its parts went with the aborted upload
    }

    /// <summary>Every object the manifest lists is there with its size and SHA-256, nothing else is, no upload is left open, and the manifest is newest.</summary>
    private async Task AssertCompleteAsync(string bucket, string root)
    {
        var view = await NodeS3View.ReadAsync(s3, bucket, root);
        var manifest = UploadManifest.Parse(System.Text.Encoding.UTF8.GetBytes(view.Manifest.GetRawText()), "manifest.json");
        Assert.Equal(manifest.Objects.Select(o => root + o.Path).Append(root + "manifest.json").Order(StringComparer.Ordinal), view.Objects.Select(o => o.Key));
        foreach (var o in manifest.Objects)
        {
            var seen = view.Get(root + o.Path);
            Assert.Equal((o.Size, o.Sha256), (seen.DownloadedBytes, seen.Sha256));
            Assert.True(view.Get(root + "manifest.json").LastModified >= seen.LastModified, $"manifest.json is older than {o.Path}");
        }
        Assert.Empty(view.PendingMultipart);
    }
}

/// <summary>An IProgress that runs its handler on the reporting thread, at once (Progress&lt;T&gt; posts it later).</summary>
internal sealed class SynchronousProgress(Action<UploadProgress> handler) : IProgress<UploadProgress>
{
    public void Report(UploadProgress value) => handler(value);
}

/// <summary>A read-only pass-through that reports every byte read from it.</summary>
internal sealed class CountingReadStream(Stream inner, Action<int> read) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => inner.CanSeek;
    public override bool CanWrite => false;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => inner.Position = value; }
    public override int Read(byte[] buffer, int offset, int count) => Counted(inner.Read(buffer, offset, count));
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => Counted(await inner.ReadAsync(buffer, ct));
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();
    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private int Counted(int n)
    {
        read(n);
        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
