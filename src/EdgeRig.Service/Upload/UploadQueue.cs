using System.Collections.Concurrent;
using EdgeRig.Core;
using EdgeRig.Upload;

namespace EdgeRig.Service.Upload;

/// <summary>
/// The rig's upload queue (rig file section "upload"; README "Fleet upload"). Every session that ends — stopped, ended at
/// the disk reserve, or recovered after a crash — is queued; the QA gate holds a failed one until an admin releases it; the
/// egress policy decides what leaves exactly as for a data-role pull (consent-withheld streams stay; camera streams that need
/// redaction leave only through the MCAP/dataset exports, redacted). One session at a time, below recording in priority and
/// under <c>upload.maxMiBps</c>. Transient S3 failures are retried inside the uploader with exponential back-off and jitter
/// (an endpoint down for hours); a permanent failure marks the session failed and the queue tries again after its own
/// back-off, or at once on <c>edgerig upload retry</c>. A kill -9 costs nothing: the bucket is the state, so the next run
/// sends only what is missing. Uploads, releases and deletions go to the audit trail.
/// </summary>
public sealed class UploadQueue : BackgroundService
{
    /// <summary>How often finished sessions are looked for when nothing wakes the queue sooner.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);
    private static readonly RetryPolicy FailedBackoff = new(TimeSpan.FromMinutes(1), TimeSpan.FromHours(1));

    private readonly UploadSettings? settings;
    private readonly ISessionStore store;
    private readonly UploadRecords? records;
    private readonly StoredSessionUpload? builder;
    private readonly IAuditLog audit;
    private readonly TimeProvider time;
    private readonly string stagingRoot;
    private readonly ILogger<UploadQueue> logger;
    private readonly ConcurrentDictionary<string, UploadEntry> entries = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim wake = new(0);
    private readonly object gate = new();
    private CancellationTokenSource? current;
    private string? currentSession;
    private readonly Queue<(DateTimeOffset At, long Bytes)> rateWindow = new();
    private long uploadedBytesTotal, failuresTotal;
    private bool paused;

    internal UploadQueue(UploadSettings? settings, ISessionStore store, UploadRecords? records, StoredSessionUpload? builder, IAuditLog audit,
        TimeProvider time, string dataDir, ILogger<UploadQueue> logger)
    {
        this.settings = settings;
        this.store = store;
        this.records = records;
        this.builder = builder;
        this.audit = audit;
        this.time = time;
        this.logger = logger;
        stagingRoot = Path.Combine(dataDir, "uploads");
        if (records is not null)
        {
            paused = records.Paused;
            foreach (var e in records.All())
                // an upload cut off by a crash or a stop starts again: the bucket shows what already landed
                entries[e.SessionId] = e.State == UploadState.Uploading ? e with { State = UploadState.Queued, Reason = "interrupted; resumes from what the bucket has" } : e;
        }
    }

    /// <summary>False when the rig file has no upload section: the queue does nothing and says so.</summary>
    public bool Configured => settings is not null;

    /// <summary>s3://bucket/prefix/rig at endpoint (no secrets).</summary>
    public string Destination => settings?.Describe() ?? "";

    public bool Paused => paused;

    public long UploadedBytesTotal => Interlocked.Read(ref uploadedBytesTotal);

    public long FailuresTotal => Interlocked.Read(ref failuresTotal);

    /// <summary>Every session the queue knows, oldest first.</summary>
    public IReadOnlyList<UploadEntry> Entries() => entries.Values.OrderBy(e => e.QueuedAt).ThenBy(e => e.SessionId, StringComparer.Ordinal).ToList();

    /// <summary>Bytes per second over the last ten seconds of the session being uploaded (0 when none is).</summary>
    public double RateBytesPerSecond
    {
        get
        {
            lock (rateWindow)
            {
                if (rateWindow.Count < 2) return 0;
                var (t0, b0) = rateWindow.Peek();
                var (t1, b1) = rateWindow.Last();
                double seconds = (t1 - t0).TotalSeconds;
                return seconds > 0 ? Math.Max(0, b1 - b0) / seconds : 0;
            }
        }
    }

    /// <summary>Bytes still to upload: every session not uploaded yet, held ones included (their size on the rig until measured).</summary>
    public long BacklogBytes => entries.Values.Where(e => e.State != UploadState.Uploaded).Sum(e => Math.Max(0, (e.BytesTotal > 0 ? e.BytesTotal : SizeOnRig(e.SessionId)) - e.BytesDone));

    public string? Current => currentSession;

    /// <exception cref="InvalidRigStateException">no upload section, or the session is not in the queue.</exception>
    public UploadEntry Retry(string sessionId, string who)
    {
        var entry = Require(sessionId);
        if (entry.State == UploadState.Held)
            throw new InvalidRigStateException($"session '{sessionId}' is held ({entry.Reason}); an admin releases it: edgerig upload release {sessionId}");
        if (entry.State == UploadState.Uploading) return entry;
        var updated = Save(entry with { State = UploadState.Queued, NextAttemptAt = null, Reason = $"retry asked by {who}" });
        wake.Release();
        return updated;
    }

    /// <exception cref="InvalidRigStateException">the session is not held.</exception>
    public UploadEntry Release(string sessionId, string who)
    {
        var entry = Require(sessionId);
        if (entry.State != UploadState.Held)
            throw new InvalidRigStateException($"session '{sessionId}' is not held (it is {UploadEntry.Name(entry.State)}); only a held session is released");
        var updated = Save(entry with { State = UploadState.Queued, ReleasedBy = who, Reason = $"released by {who}" });
        wake.Release();
        return updated;
    }

    public void Pause(string who)
    {
        RequireConfigured();
        paused = true;
        Remember(paused: true);
        lock (gate) current?.Cancel();
        logger.LogInformation("Uploads paused by {Who}", who);
    }

    public void Resume(string who)
    {
        RequireConfigured();
        paused = false;
        Remember(paused: false);
        wake.Release();
        logger.LogInformation("Uploads resumed by {Who}", who);
    }

    /// <summary>Persists the paused flag; on a full disk it holds in memory only (resuming uploads is how a full rig with
    /// deleteAfterUpload gets its space back, so it must work then).</summary>
    private void Remember(bool paused)
    {
        try { records!.Paused = paused; }
        catch (Exception e) when (e is IOException or LiteDB.LiteException or InvalidOperationException)
        {
            logger.LogWarning("Uploads {State}, but not remembered across a restart: {Reason}", paused ? "paused" : "resumed", e.Message);
        }
    }

    /// <summary>Looks for finished sessions now rather than at the next poll.</summary>
    public void Wake() => wake.Release();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings is null) return;
        logger.LogInformation("Uploading finished sessions to {Destination}{Paused}", settings.Describe(), paused ? " (paused)" : "");
        while (!stoppingToken.IsCancellationRequested)
        {
            UploadEntry? next = null;
            try
            {
                Discover();
                next = paused ? null : PickNext();
            }
            catch (Exception e) when (e is IOException or LiteDB.LiteException or InvalidOperationException)
            {
                logger.LogWarning("Upload queue could not read the catalogue: {Reason}", e.Message);
            }
            if (next is null)
            {
                try { await wake.WaitAsync(PollInterval, stoppingToken); }
                catch (OperationCanceledException) { return; }
                continue;
            }
            try
            {
                await RunAsync(next, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // RunAsync settles every failure of an upload itself; this is the queue's own bookkeeping failing (a full disk):
                // the service stays up and the queue tries again at the next poll
                logger.LogError("Upload queue: {Reason}", e.Message);
                try { await Task.Delay(PollInterval, time, stoppingToken); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    /// <summary>Queues every finished session the queue has not seen; forgets sessions deleted from the rig before they went.</summary>
    private void Discover()
    {
        var sessions = store.ListSessions();
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in sessions)
        {
            known.Add(r.Session.Id);
            if (r.Session.State == SessionState.Recording || entries.ContainsKey(r.Session.Id)) continue;
            Save(new UploadEntry(r.Session.Id, UploadState.Queued, time.GetUtcNow()) { BytesTotal = r.StoredBytes });
        }
        foreach (var e in entries.Values)
            if (!known.Contains(e.SessionId) && e.State != UploadState.Uploaded)
            {
                entries.TryRemove(e.SessionId, out _);
                records!.Delete(e.SessionId);
                DeleteStaging(e.SessionId);
            }
    }

    /// <summary>The next session to send, oldest first; applies the QA gate on the way (a failed session is held).</summary>
    private UploadEntry? PickNext()
    {
        var now = time.GetUtcNow();
        foreach (var e in Entries())
        {
            bool due = e.State == UploadState.Queued || (e.State == UploadState.Failed && (e.NextAttemptAt is null || e.NextAttemptAt <= now));
            if (!due) continue;
            SessionRecord record;
            try { record = store.GetSession(e.SessionId); }
            catch (SessionNotFoundException) { continue; }
            if (record.QaVerdict is null)
            {
                if (e.Reason != WaitingForQa) Save(e with { Reason = WaitingForQa });
                continue;
            }
            if (record.QaVerdict == QaVerdict.Fail && e.ReleasedBy.Length == 0)
            {
                // the worst findings say why at a glance (edgerig qa ID has the whole report)
                Save(e with { State = UploadState.Held, Reason = $"failed QA ({Quality.QaService.Summary(record)}); an admin may release it: edgerig upload release {e.SessionId}" });
                Audit("upload.hold", e.SessionId, "failed QA", true);
                continue;
            }
            return e;
        }
        return null;
    }

    private const string WaitingForQa = "waiting for its QA report";

    private async Task RunAsync(UploadEntry entry, CancellationToken stoppingToken)
    {
        var s = settings!;
        string id = entry.SessionId;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        lock (gate) { current = cts; currentSession = id; }
        lock (rateWindow) rateWindow.Clear();
        entry = Save(entry with { State = UploadState.Uploading, Attempts = entry.Attempts + 1, Reason = "", NextAttemptAt = null, BytesDone = 0 });
        try
        {
            var record = store.GetSession(id);
            var prepared = await builder!.PrepareAsync(record, s.Formats, Staging(id), cts.Token);
            entry = Save(entry with { Withheld = prepared.Withheld });
            var uploader = new SessionUploader(s.Target, s.Options, time)
            {
                OnRetry = n => entries[id] = entries[id] with { Reason = $"retrying in {n.Wait.TotalSeconds:0.#} s after failure {n.Failure} of {n.Operation}: {n.Error.Message}" },
            };
            var progress = new InlineProgress(p =>
            {
                if (entries.TryGetValue(id, out var e)) entries[id] = e with { BytesDone = p.BytesDone, BytesTotal = p.BytesTotal };
                lock (rateWindow)
                {
                    var now = time.GetUtcNow();
                    rateWindow.Enqueue((now, p.BytesDone));
                    while (rateWindow.Count > 2 && now - rateWindow.Peek().At > TimeSpan.FromSeconds(10)) rateWindow.Dequeue();
                }
            });
            var result = await uploader.UploadAsync(prepared.Source, progress, cts.Token);
            Interlocked.Add(ref uploadedBytesTotal, result.BytesUploaded);
            var done = time.GetUtcNow();
            string withheld = prepared.Withheld.Count == 0 ? "" : $"; withheld: {string.Join(", ", prepared.Withheld.Keys.Order(StringComparer.Ordinal))}";
            string damaged = prepared.Damaged.Count == 0 ? "" : $"; damaged on the rig: {string.Join(", ", prepared.Damaged)}";
            Audit("upload", id, $"{result.ObjectsTotal} objects, {result.BytesTotal} bytes to {s.Describe()}/{id}/ ({result.ObjectsUploaded} sent){withheld}{damaged}", true);
            logger.LogInformation("Uploaded session {Session}: {Objects} objects, {Bytes} bytes{Withheld}", id, result.ObjectsTotal, result.BytesTotal, withheld);
            store.MarkPulled(id, done); // retention's keep-until-pulled: a verified upload counts as a verified pull
            DeleteStaging(id);
            // the rig's copy goes (or stays, with why) before the session shows as uploaded: "uploaded" is the last word
            string kept = s.DeleteAfterUpload ? DeleteRigCopy(id, prepared) : "";
            Save(entries[id] with
            {
                State = UploadState.Uploaded, UploadedAt = done, ManifestKey = result.ManifestKey, BytesDone = result.BytesTotal, BytesTotal = result.BytesTotal,
                RigCopyDeleted = s.DeleteAfterUpload && kept.Length == 0,
                Reason = $"{result.ObjectsTotal} objects verified ({result.ObjectsUploaded} sent, {result.ObjectsSkipped} already there){withheld}{damaged}{kept}",
            });
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            Save(entries[id] with { State = UploadState.Queued, Reason = stoppingToken.IsCancellationRequested ? "interrupted by shutdown; resumes at start" : "paused" });
        }
        catch (SessionNotFoundException)
        {
            entries.TryRemove(id, out _);
            records!.Delete(id);
            DeleteStaging(id);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Interlocked.Increment(ref failuresTotal);
            var wait = FailedBackoff.Delay(Math.Max(1, entry.Attempts), Random.Shared.NextDouble());
            string why = DiskFull(e) is { } full ? $"the rig's disk is full while staging the export: {full.Message}" : e.Message;
            Save(entries[id] with { State = UploadState.Failed, Reason = why, NextAttemptAt = time.GetUtcNow() + wait });
            Audit("upload", id, $"failed: {why}", false);
            logger.LogWarning("Upload of session {Session} failed (attempt {Attempt}): {Reason}; next try in {Wait}", id, entry.Attempts, why, wait);
        }
        finally
        {
            lock (gate) { current = null; currentSession = null; }
            lock (rateWindow) rateWindow.Clear();
        }
    }

    /// <summary>deleteAfterUpload: only a session that left the rig whole is deleted; streams withheld or chunks damaged keep the
    /// rig's copy. Returns "" when deleted, else "; rig copy kept: why".</summary>
    private string DeleteRigCopy(string id, StoredSessionUpload.Prepared prepared)
    {
        if (!settings!.Formats.Contains("session")) return "; rig copy kept: the lossless chunks are not among upload.formats";
        if (prepared.Withheld.Count > 0) return $"; rig copy kept: streams stayed on the rig ({string.Join(", ", prepared.Withheld.Keys.Order(StringComparer.Ordinal))})";
        if (prepared.Damaged.Count > 0) return "; rig copy kept: chunks are damaged on the rig";
        long bytes = store.SessionDiskBytes(id);
        store.DeleteSession(id);
        Audit("upload.delete", id, $"deleted after a verified upload ({bytes} bytes freed)", true);
        logger.LogInformation("Deleted session {Session} from the rig after its verified upload ({Bytes} bytes)", id, bytes);
        return "";
    }

    private void Audit(string action, string session, string detail, bool succeeded)
    {
        try { audit.Append(new AuditEntry(time.GetUtcNow(), "edgerig-service", action, session, detail, succeeded)); }
        catch (Exception e) when (e is IOException or LiteDB.LiteException or InvalidOperationException)
        {
            logger.LogError("Could not write the audit trail ({Action} {Session}): {Reason}", action, session, e.Message);
        }
    }

    /// <summary>The ENOSPC somewhere in the chain (the export's writer may wrap it), or null.</summary>
    private static IOException? DiskFull(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is IOException io && ((io.HResult & 0xFFFF) == 28 || io.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase))) return io;
            if (e is AggregateException { InnerExceptions.Count: > 0 } many) return many.InnerExceptions.Select(DiskFull).FirstOrDefault(x => x is not null);
        }
        return null;
    }

    private string Staging(string id) => Path.Combine(stagingRoot, id);

    private void DeleteStaging(string id)
    {
        try { if (Directory.Exists(Staging(id))) Directory.Delete(Staging(id), recursive: true); }
        catch (IOException e) { logger.LogWarning("Could not remove the upload staging folder of {Session}: {Reason}", id, e.Message); }
    }

    private long SizeOnRig(string id)
    {
        try { return store.GetSession(id).StoredBytes; }
        catch (SessionNotFoundException) { return 0; }
    }

    /// <summary>Keeps the entry; a catalogue that cannot write now (a full disk) costs only the persisted copy, never the queue.</summary>
    private UploadEntry Save(UploadEntry e)
    {
        entries[e.SessionId] = e;
        try { records!.Save(e); }
        catch (Exception x) when (x is IOException or LiteDB.LiteException or InvalidOperationException)
        {
            logger.LogWarning("Could not record the upload state of {Session} ({State}): {Reason}", e.SessionId, UploadEntry.Name(e.State), x.Message);
        }
        return e;
    }

    private UploadEntry Require(string sessionId)
    {
        RequireConfigured();
        if (entries.TryGetValue(sessionId, out var e)) return e;
        store.GetSession(sessionId); // a session that does not exist is NOT_FOUND; one that does is not queued yet
        throw new InvalidRigStateException($"session '{sessionId}' is not in the upload queue (still recording?)");
    }

    private void RequireConfigured()
    {
        if (settings is null) throw new InvalidRigStateException("this rig uploads nothing: its rig file has no \"upload\" section (README \"Fleet upload\")");
    }

    public override void Dispose()
    {
        wake.Dispose();
        base.Dispose();
    }

    /// <summary>Progress reported on the caller's thread (Progress&lt;T&gt; would post to the thread pool, out of order).</summary>
    private sealed class InlineProgress(Action<UploadProgress> report) : IProgress<UploadProgress>
    {
        public void Report(UploadProgress value) => report(value);
    }
}
