namespace EdgeRig.Upload;

/// <summary>
/// Uploads one session to <c>PREFIX/RIG/SESSION/</c> (see <see cref="ObjectLayout"/>) and commits it by writing
/// <c>manifest.json</c> last. Idempotent and resumable without local state: every object's SHA-256 is known before it is
/// sent (hashed first, or stated by its source and proved on the read that sends it), a HEAD showing the same size and
/// SHA-256 skips it, a multipart upload cut off earlier is continued from the parts that landed, and each
/// object sent is verified by a HEAD. A run that must change any object first removes a manifest already there, so a
/// manifest in the bucket always describes objects that are all present and older than it. Cancel at any point and run
/// again: nothing is duplicated or left corrupt. The service's upload queue calls this; it holds no state between calls.
/// </summary>
public sealed class SessionUploader
{
    private const int MaxVerifyAttempts = 3;
    private readonly IUploadTarget target;
    private readonly UploadOptions options;
    private readonly TimeProvider time;

    public SessionUploader(IUploadTarget target, UploadOptions options, TimeProvider? time = null)
    {
        this.target = target;
        this.options = options.Validate();
        this.time = time ?? TimeProvider.System;
    }

    /// <summary>Which failures are retried; by default S3's (network, timeouts, 5xx, throttling).</summary>
    public Func<Exception, bool> IsTransient { get; init; } = S3UploadTarget.IsTransient;

    /// <summary>Each failed attempt before its back-off wait (for status: "failed (last error)").</summary>
    public Action<RetryNotice>? OnRetry { get; init; }

    /// <exception cref="UploadException">a local file does not match its manifest, or an object would not verify.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled; run again to resume.</exception>
    public async Task<UploadResult> UploadAsync(SessionUploadSource source, IProgress<UploadProgress>? progress, CancellationToken ct)
    {
        var layout = new ObjectLayout(options.Prefix, options.Rig, source.SessionId);
        var planned = await PlanAsync(source, layout, ct).ConfigureAwait(false);
        var manifest = new UploadManifest(UploadManifest.FormatName, options.Rig, source.SessionId, options.SoftwareVersion,
            planned.Select(p => new UploadedObject(p.Item.Path, p.Size, p.Sha256)).ToList()) {
            PulledSession = source.PulledSession, QaVerdict = source.QaVerdict, Calibration = source.Calibration,
        };
        byte[] manifestBytes = manifest.ToUtf8();
        string manifestSha = UploadManifest.Sha256Hex(manifestBytes);

        var retry = new RetryRunner(options.Retry, time, e => IsTransient(e) && e is not (FileNotFoundException or DirectoryNotFoundException))
        { OnRetry = OnRetry };
        long bytesTotal = manifest.TotalBytes, bytesDone = 0, bytesSent = 0;
        int objectsDone = 0, uploaded = 0;
        void Report(string? path) => progress?.Report(new UploadProgress(Interlocked.Read(ref bytesDone), bytesTotal, objectsDone, planned.Count, path));
        var sender = new ObjectSender(target, options, retry, TokenBucket.ForMiBps(options.MaxMiBps, time))
        {
            OnBytesSent = n => { Interlocked.Add(ref bytesDone, n); Interlocked.Add(ref bytesSent, n); },
        };

        var missing = new List<PlannedObject>();
        foreach (var p in planned)
        {
            var head = await retry.RunAsync($"HEAD {p.Key}", c => target.HeadAsync(p.Key, c), ct).ConfigureAwait(false);
            if (head is not null && head.Size == p.Size && head.Sha256 == p.Sha256) { bytesDone += p.Size; objectsDone++; }
            else missing.Add(p);
        }
        Report(null);
        var oldManifest = await retry.RunAsync($"HEAD {layout.ManifestKey}", c => target.HeadAsync(layout.ManifestKey, c), ct).ConfigureAwait(false);
        if (missing.Count > 0 && oldManifest is not null)
        {
            // the session is about to change: take its commit marker away first
            await retry.RunAsync($"DELETE {layout.ManifestKey}", c => target.DeleteAsync(layout.ManifestKey, c), ct).ConfigureAwait(false);
            oldManifest = null;
        }

        foreach (var p in missing)
        {
            Report(p.Item.Path);
            var metadata = new ObjectMetadata(options.Rig, source.SessionId, options.SoftwareVersion, p.Sha256);
            long before = Interlocked.Read(ref bytesDone);
            await SendVerifiedAsync(sender, p, metadata, () => Interlocked.Exchange(ref bytesDone, before), ct).ConfigureAwait(false);
            objectsDone++;
            uploaded++;
            Report(p.Item.Path);
        }

        bool writeManifest = oldManifest is null || oldManifest.Sha256 != manifestSha || oldManifest.Size != manifestBytes.Length;
        if (writeManifest)
        {
            var item = new UploadItem(ObjectLayout.ManifestName, () => new MemoryStream(manifestBytes, writable: false));
            var p = new PlannedObject(item, layout.ManifestKey, manifestBytes.Length, manifestSha);
            await SendVerifiedAsync(sender, p, new ObjectMetadata(options.Rig, source.SessionId, options.SoftwareVersion, manifestSha), () => { }, ct)
                .ConfigureAwait(false);
        }
        else await sender.VerifyAsync(layout.ManifestKey, manifestBytes.Length, manifestSha, ct).ConfigureAwait(false);
        Report(null);
        return new UploadResult(layout.ManifestKey, planned.Count, uploaded, planned.Count - uploaded, bytesTotal, Interlocked.Read(ref bytesSent), writeManifest);
    }

    private async Task<List<PlannedObject>> PlanAsync(SessionUploadSource source, ObjectLayout layout, CancellationToken ct)
    {
        var planned = new List<PlannedObject>(source.Items.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal) { ObjectLayout.ManifestName };
        foreach (var item in source.Items)
        {
            string key = layout.Key(item.Path);
            if (!seen.Add(item.Path)) throw new UploadException($"{item.Path}: listed twice (or named like the manifest) in session {source.SessionId}");
            planned.Add(await PlannedObject.PlanAsync(item, key, options.MultipartThresholdBytes, ct).ConfigureAwait(false));
        }
        return planned;
    }

    /// <summary>Sends and verifies; an object that fails verification is deleted and sent again, a few times at most.</summary>
    private static async Task SendVerifiedAsync(ObjectSender sender, PlannedObject p, ObjectMetadata metadata, Action rewindProgress, CancellationToken ct)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await sender.SendAsync(p, metadata, ct).ConfigureAwait(false);
                return;
            }
            catch (ObjectVerificationException) when (attempt < MaxVerifyAttempts)
            {
                // a stale multipart upload of other content, or a store that changed the bytes: start this object over
                rewindProgress();
                await sender.DeleteAsync(p.Key, ct).ConfigureAwait(false);
            }
            catch (ObjectVerificationException e)
            {
                throw new UploadException($"upload of {p.Key} did not verify after {attempt} attempts: {e.Message}", e);
            }
        }
    }
}
