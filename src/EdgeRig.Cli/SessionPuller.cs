using System.Security.Cryptography;
using EdgeRig.Api.V1;
using EdgeRig.Export.SessionMcap;
using EdgeRig.Core;
using EdgeRig.Formats;
using Grpc.Core;

namespace EdgeRig.Cli;

/// <summary>Progress of a pull, in stored bytes.</summary>
public sealed record PullProgress(long BytesDone, long BytesTotal, int ChunksDone, int ChunksTotal);

/// <summary>What a pull did. Complete is false for a live tail of a session still recording: run the pull again to continue.</summary>
public sealed record PullResult(string SessionId, string Folder, int Chunks, long Bytes, int ResumedFromChunk, int ChunksTransferred, string SessionSha256, int Attempts, bool Complete = true)
{
    /// <summary>Streams the rig did not send, with why (no consent; raw frames without raw access).</summary>
    public IReadOnlyDictionary<string, string> Withheld { get; init; } = new Dictionary<string, string>();

    /// <summary>Chunks the rig could not deliver (missing or corrupt on its disk), with why; the folder's manifest lists them too.</summary>
    public IReadOnlyList<ManifestMissingChunk> Missing { get; init; } = [];

    /// <summary>The rig recorded the pull as verified (retention may then delete the session): whole pulls, or partial ones allowed.</summary>
    public bool Confirmed { get; init; }

    /// <summary>Why the rig could not record the pull (its disk is full), if it could not; the pulled data is verified regardless.</summary>
    public string ConfirmRefused { get; init; } = "";
}

/// <summary>
/// Waits between attempts: <see cref="First"/>, doubling up to <see cref="Max"/>. The default spans a restart of the service
/// (systemd waits 2 s, start-up takes a few more): 0.25, 0.5, 1, 2, 4, 8, 8 s, about 24 s over 8 attempts.
/// </summary>
public sealed record RetryBackoff(TimeSpan First, TimeSpan Max)
{
    public static readonly RetryBackoff Default = new(TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(8));

    /// <summary>The wait after the <paramref name="failure"/>-th failure in a row (1-based).</summary>
    public TimeSpan Delay(int failure) =>
        TimeSpan.FromTicks((long)Math.Min(Max.Ticks, First.Ticks * Math.Pow(2, Math.Clamp(failure - 1, 0, 30))));
}

/// <summary>
/// Pulls a session into a folder (DIR/ID: manifest.json plus chunks/STREAM/INDEX.chunk), verifying every chunk's
/// SHA-256 and the session hash. Each verified chunk is recorded in .pull-state.jsonl as it lands, so a pull cut
/// off at any point resumes from the first chunk it does not have, in this run (retries) or the next. A chunk the rig
/// names as damaged is recorded as missing, with why, and the pull goes on; such a pull is confirmed to the rig only
/// with <see cref="AllowPartial"/>. Transient failures (the link, a service restart) are retried, the confirm included.
/// </summary>
public sealed class SessionPuller(Sessions.SessionsClient client)
{
    public const string StateFile = PullState.FileName;

    /// <summary>Failed attempts in a row before giving up; an attempt that brought chunks resets the count.</summary>
    public int MaxAttempts { get; init; } = 8;

    public RetryBackoff Backoff { get; init; } = RetryBackoff.Default;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Pull a session that failed QA (the data or admin role).</summary>
    public bool Force { get; init; }

    /// <summary>Confirm a pull that lacks chunks damaged on the rig (the rig then counts the session as pulled).</summary>
    public bool AllowPartial { get; init; }

    public async Task<PullResult> PullAsync(string sessionId, string outDir, IProgress<PullProgress>? progress, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(sessionId) || sessionId.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
            throw new ArgumentException($"'{sessionId}' is not a session id");
        string folder = Path.Combine(Path.GetFullPath(outDir), sessionId);
        Directory.CreateDirectory(folder);
        var state = PullState.Load(folder);
        int resumedFrom = state.Count;
        int attempts = 0;
        int transferred = 0;
        var header = await RetryAsync(async () =>
        {
            attempts++;
            int before = state.Chunks.Count;
            try { return await PullOnceAsync(sessionId, state, progress, ct); }
            finally { transferred += state.Chunks.Count - before; }
        }, () => state.Count, ct);

        var withheld = header.Withheld.ToDictionary();
        if (!header.Complete)
            return new PullResult(header.Session.Id, folder, state.Chunks.Count, state.Chunks.Sum(c => (long)c.StoredLength), resumedFrom, transferred, "", attempts, Complete: false)
                { Withheld = withheld, Missing = state.Missing.ToList() };
        var manifest = SaveManifest(folder, header, state);
        // the QA report travels with the data (exports from the folder attach it as the rig's do)
        await RetryAsync(() => SaveQaReportAsync(folder, manifest.Session.Id, ct), () => 0, ct);
        state.DeleteLog();
        bool confirm = manifest.Complete || AllowPartial;
        string unconfirmed = confirm ? await RetryAsync(() => ConfirmAsync(manifest, ct), () => 0, ct) : "";
        return new PullResult(manifest.Session.Id, folder, state.Chunks.Count, state.Chunks.Sum(c => (long)c.StoredLength), resumedFrom, transferred, manifest.SessionSha256, attempts)
            { Withheld = withheld, Missing = manifest.Missing, Confirmed = confirm && unconfirmed.Length == 0, ConfirmRefused = unconfirmed };
    }

    /// <summary>
    /// Tells the rig the pull is verified; "" when it took note. A rig whose disk is full cannot write that down
    /// (RESOURCE_EXHAUSTED): the data here is whole and verified all the same, so that is reported, not retried or thrown;
    /// the rig then simply keeps the session (retention deletes only pulled sessions).
    /// </summary>
    private async Task<string> ConfirmAsync(PulledSessionManifest manifest, CancellationToken ct)
    {
        try
        {
            await client.ConfirmPullAsync(new ConfirmPullRequest { SessionId = manifest.Session.Id, SessionSha256 = manifest.SessionSha256, Force = Force }, cancellationToken: ct);
            return "";
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
        {
            return e.Status.Detail;
        }
    }

    /// <summary>
    /// Runs <paramref name="call"/> until it succeeds, retrying transient gRPC failures after <see cref="Backoff"/>; gives up after
    /// <see cref="MaxAttempts"/> failures in a row. <paramref name="progressMark"/> going up between attempts resets the count.
    /// </summary>
    private async Task<T> RetryAsync<T>(Func<Task<T>> call, Func<int> progressMark, CancellationToken ct)
    {
        for (int failures = 0; ;)
        {
            int mark = progressMark();
            try { return await call(); }
            catch (RpcException e) when (!ct.IsCancellationRequested && IsTransient(e.StatusCode))
            {
                failures = progressMark() > mark ? 1 : failures + 1;
                if (failures >= MaxAttempts) throw;
                await Task.Delay(Backoff.Delay(failures), Time, ct);
            }
        }
    }

    private static bool IsTransient(StatusCode code) =>
        code is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown or StatusCode.Cancelled or StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted;

    private async Task<PullHeader> PullOnceAsync(string sessionId, PullState state, IProgress<PullProgress>? progress, CancellationToken ct)
    {
        using var call = client.PullSession(new PullSessionRequest { SessionId = sessionId, FromChunk = state.Count, Force = Force }, cancellationToken: ct);
        var responses = call.ResponseStream;
        if (!await responses.MoveNext(ct) || responses.Current.KindCase != PullSessionResponse.KindOneofCase.Header)
            throw new InvalidDataException($"the rig sent no pull header for session '{sessionId}'");
        var header = responses.Current.Header;
        long bytesDone = state.Bytes;
        progress?.Report(new PullProgress(bytesDone, header.TotalBytes, state.Count, header.TotalChunks));
        ChunkMeta? meta = null;
        byte[]? buffer = null;
        await using var log = state.OpenLog();
        while (await responses.MoveNext(ct))
        {
            var response = responses.Current;
            if (response.KindCase == PullSessionResponse.KindOneofCase.Damaged)
            {
                var missing = Missing(response.Damaged, state.Count, meta);
                await state.AddAsync(log, missing, ct);
                bytesDone += missing.StoredLength;
                progress?.Report(new PullProgress(bytesDone, header.TotalBytes, state.Count, header.TotalChunks));
                continue;
            }
            var piece = response.Chunk ?? throw new InvalidDataException("the rig sent a second header");
            if (piece.Offset == 0)
            {
                meta = piece.Meta ?? throw new InvalidDataException($"chunk {piece.Ordinal} came without its meta");
                if (meta.Ordinal != state.Count) throw new InvalidDataException($"expected chunk {state.Count}, the rig sent {meta.Ordinal}");
                buffer = new byte[meta.StoredLength];
            }
            if (meta is null || buffer is null || piece.Ordinal != meta.Ordinal || piece.Offset + piece.Data.Length > buffer.Length)
                throw new InvalidDataException($"chunk {piece.Ordinal}: piece at offset {piece.Offset} does not fit");
            piece.Data.Span.CopyTo(buffer.AsSpan((int)piece.Offset));
            if (!piece.Last) continue;

            string sha = Convert.ToHexStringLower(SHA256.HashData(buffer));
            if (sha != meta.Sha256 || Crc32C.Compute(buffer) != meta.Crc32C)
                throw new InvalidDataException($"chunk {meta.Ordinal} ({meta.Stream}/{meta.Index}) failed verification: SHA-256 {sha}, expected {meta.Sha256}");
            var entry = new ManifestChunk(meta.Ordinal, meta.Stream, meta.Index, meta.FirstSequence, meta.LastSequence, meta.Count,
                meta.FirstRigNs, meta.LastRigNs, meta.Codec, meta.RawLength, meta.StoredLength, meta.Crc32C, meta.Sha256,
                ManifestChunk.RelativePath(meta.Stream, meta.Index));
            WriteDurably(Path.Combine(state.Folder, entry.File), buffer);
            await state.AddAsync(log, entry, ct);
            bytesDone += buffer.Length;
            progress?.Report(new PullProgress(bytesDone, header.TotalBytes, state.Count, header.TotalChunks));
            meta = null;
            buffer = null;
        }
        return header;
    }

    /// <summary>The manifest entry of a chunk the rig named as damaged, checked against where the pull is.</summary>
    private static ManifestMissingChunk Missing(DamagedChunk damaged, int expectedOrdinal, ChunkMeta? unfinished)
    {
        var m = damaged.Meta ?? throw new InvalidDataException("the rig named a damaged chunk without its meta");
        if (unfinished is not null) throw new InvalidDataException($"chunk {unfinished.Ordinal} was cut short by the damaged chunk {m.Ordinal}");
        if (m.Ordinal != expectedOrdinal) throw new InvalidDataException($"expected chunk {expectedOrdinal}, the rig named {m.Ordinal} as damaged");
        string kind = damaged.Kind is "missing" or "corrupt" ? damaged.Kind : "corrupt";
        return new ManifestMissingChunk(m.Ordinal, m.Stream, m.Index, m.FirstSequence, m.LastSequence, m.Count, m.FirstRigNs, m.LastRigNs,
            m.Codec, m.RawLength, m.StoredLength, m.Crc32C, m.Sha256, kind, damaged.Reason);
    }

    /// <summary>Checks the pull is whole against the header and writes manifest.json (last: it marks the folder finished).</summary>
    private static PulledSessionManifest SaveManifest(string folder, PullHeader header, PullState state)
    {
        if (state.Count != header.TotalChunks)
            throw new InvalidDataException($"the pull ended after {state.Count} of {header.TotalChunks} chunks");
        string sessionHash = state.SessionSha256;
        if (sessionHash != header.SessionSha256)
            throw new InvalidDataException($"session hash {sessionHash} does not match the rig's {header.SessionSha256}");
        var s = header.Session;
        var manifest = PulledSessionManifest.Create(
            new ManifestSession(s.Id, s.Name, s.Operator, s.Tags.ToDictionary(), s.StartNs, s.StopNs, s.State, s.Rig, s.StopReason),
            s.Streams.Select(x => new ManifestStream(x.Id, x.Modality, x.Encoding, x.NominalRateHz, x.Units, x.DeviceId, x.FrameId,
                x.SensorTickRateHz, x.Timestamps, x.SensorWrapModulus, x.KnownLatencyNs, x.Parameters.ToDictionary())),
            s.Counts.Select(kv => KeyValuePair.Create(kv.Key, new ManifestCounts(kv.Value.Produced, kv.Value.Recorded, kv.Value.Dropped, kv.Value.SensorGaps))),
            s.Markers.Select(m => new ManifestMarker(m.TimeNs, m.Label, m.Note, m.Source)),
            state.Chunks.ToList(), state.Missing.ToList(), header.Withheld, DateTimeOffset.UtcNow);
        manifest.Save(folder);
        return manifest;
    }

    private async Task<bool> SaveQaReportAsync(string folder, string sessionId, CancellationToken ct)
    {
        try
        {
            var qa = await client.GetQaReportAsync(new GetQaReportRequest { SessionId = sessionId }, cancellationToken: ct);
            if (qa.Final && qa.Json.Length > 0) await File.WriteAllTextAsync(Path.Combine(folder, SessionAttachment.QaReportName), qa.Json, ct);
            return true;
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.FailedPrecondition or StatusCode.Unimplemented) { return false; } // a rig without QA reports
    }

    private static void WriteDurably(string path, byte[] bytes)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string tmp = path + ".part";
        using (var f = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            f.Write(bytes);
            f.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
    }
}
