using System.Security.Cryptography;
using System.Text.Json;
using EdgeRig.Api.V1;
using EdgeRig.Export.SessionMcap;
using EdgeRig.Core;
using EdgeRig.Formats;
using Grpc.Core;

namespace EdgeRig.Cli;

/// <summary>Progress of a pull, in stored bytes.</summary>
public sealed record PullProgress(long BytesDone, long BytesTotal, int ChunksDone, int ChunksTotal);

/// <summary>What a pull did.</summary>
/// <summary>What a pull did. Complete is false for a live tail of a session still recording: run the pull again to continue.</summary>
public sealed record PullResult(string SessionId, string Folder, int Chunks, long Bytes, int ResumedFromChunk, int ChunksTransferred, string SessionSha256, int Attempts, bool Complete = true)
{
    /// <summary>Streams the rig did not send, with why (no consent; raw frames without raw access).</summary>
    public IReadOnlyDictionary<string, string> Withheld { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// Pulls a session into a folder (DIR/ID: manifest.json plus chunks/STREAM/INDEX.chunk), verifying every chunk's
/// SHA-256 and the session hash. Each verified chunk is recorded in .pull-state.jsonl as it lands, so a pull cut
/// off at any point resumes from the first chunk it does not have, in this run (retries) or the next.
/// </summary>
public sealed class SessionPuller(Sessions.SessionsClient client)
{
    public const string StateFile = ".pull-state.jsonl";

    public int MaxAttempts { get; init; } = 5;

    /// <summary>Pull a session that failed QA (the data or admin role).</summary>
    public bool Force { get; init; }

    public async Task<PullResult> PullAsync(string sessionId, string outDir, IProgress<PullProgress>? progress, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(sessionId) || sessionId.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
            throw new ArgumentException($"'{sessionId}' is not a session id");
        string folder = Path.Combine(Path.GetFullPath(outDir), sessionId);
        Directory.CreateDirectory(folder);
        var done = LoadVerifiedState(folder);
        int resumedFrom = done.Count;
        int transferred = 0;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                var (header, got) = await PullOnceAsync(sessionId, folder, done, progress, ct);
                transferred += got;
                return Finish(folder, header, done, resumedFrom, transferred, attempt);
            }
            catch (RpcException e) when (attempt < MaxAttempts && !ct.IsCancellationRequested &&
                e.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown or StatusCode.Cancelled or StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), ct);
            }
        }
    }

    private async Task<(PullHeader Header, int Transferred)> PullOnceAsync(string sessionId, string folder, List<ManifestChunk> done,
        IProgress<PullProgress>? progress, CancellationToken ct)
    {
        using var call = client.PullSession(new PullSessionRequest { SessionId = sessionId, FromChunk = done.Count, Force = Force }, cancellationToken: ct);
        var responses = call.ResponseStream;
        if (!await responses.MoveNext(ct) || responses.Current.KindCase != PullSessionResponse.KindOneofCase.Header)
            throw new InvalidDataException($"the rig sent no pull header for session '{sessionId}'");
        var header = responses.Current.Header;
        long bytesDone = done.Sum(c => (long)c.StoredLength);
        progress?.Report(new PullProgress(bytesDone, header.TotalBytes, done.Count, header.TotalChunks));
        int transferred = 0;
        ChunkMeta? meta = null;
        byte[]? buffer = null;
        await using var state = new StreamWriter(Path.Combine(folder, StateFile), append: true);
        while (await responses.MoveNext(ct))
        {
            var piece = responses.Current.Chunk ?? throw new InvalidDataException("the rig sent a second header");
            if (piece.Offset == 0)
            {
                meta = piece.Meta ?? throw new InvalidDataException($"chunk {piece.Ordinal} came without its meta");
                if (meta.Ordinal != done.Count) throw new InvalidDataException($"expected chunk {done.Count}, the rig sent {meta.Ordinal}");
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
            WriteDurably(Path.Combine(folder, entry.File), buffer);
            await state.WriteLineAsync(JsonSerializer.Serialize(entry, PulledSessionManifest.Json).ReplaceLineEndings(""));
            await state.FlushAsync(ct);
            done.Add(entry);
            transferred++;
            bytesDone += buffer.Length;
            progress?.Report(new PullProgress(bytesDone, header.TotalBytes, done.Count, header.TotalChunks));
            meta = null;
            buffer = null;
        }
        return (header, transferred);
    }

    private PullResult Finish(string folder, PullHeader header, List<ManifestChunk> done, int resumedFrom, int transferred, int attempts)
    {
        if (!header.Complete)
            return new PullResult(header.Session.Id, folder, done.Count, done.Sum(c => (long)c.StoredLength), resumedFrom, transferred, "", attempts, Complete: false)
                { Withheld = header.Withheld.ToDictionary() };
        if (done.Count != header.TotalChunks)
            throw new InvalidDataException($"the pull ended after {done.Count} of {header.TotalChunks} chunks");
        string sessionHash = SessionHash.Compute(done.Select(c => (c.Stream, c.Index, c.Sha256)));
        if (sessionHash != header.SessionSha256)
            throw new InvalidDataException($"session hash {sessionHash} does not match the rig's {header.SessionSha256}");
        var s = header.Session;
        var manifest = new PulledSessionManifest(
            PulledSessionManifest.FormatName,
            new ManifestSession(s.Id, s.Name, s.Operator, s.Tags.ToDictionary(), s.StartNs, s.StopNs, s.State, s.Rig, s.StopReason),
            s.Streams.Where(x => !header.Withheld.ContainsKey(x.Id)).Select(x => new ManifestStream(x.Id, x.Modality, x.Encoding, x.NominalRateHz, x.Units, x.DeviceId, x.FrameId,
                x.SensorTickRateHz, x.Timestamps, x.SensorWrapModulus, x.KnownLatencyNs, x.Parameters.ToDictionary())).ToList(),
            s.Counts.Where(kv => !header.Withheld.ContainsKey(kv.Key)).ToDictionary(kv => kv.Key, kv => new ManifestCounts(kv.Value.Produced, kv.Value.Recorded, kv.Value.Dropped, kv.Value.SensorGaps)),
            s.Markers.Select(m => new ManifestMarker(m.TimeNs, m.Label, m.Note, m.Source)).ToList(),
            done, sessionHash, DateTimeOffset.UtcNow);
        manifest.Save(folder);
        // the QA report travels with the data (exports from the folder attach it as the rig's do)
        try
        {
            var qa = client.GetQaReport(new GetQaReportRequest { SessionId = s.Id });
            if (qa.Final && qa.Json.Length > 0) File.WriteAllText(Path.Combine(folder, SessionAttachment.QaReportName), qa.Json);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.FailedPrecondition or StatusCode.Unimplemented) { /* a rig without QA reports */ }
        File.Delete(Path.Combine(folder, StateFile));
        client.ConfirmPull(new ConfirmPullRequest { SessionId = s.Id, SessionSha256 = sessionHash, Force = Force });
        return new PullResult(s.Id, folder, done.Count, done.Sum(c => (long)c.StoredLength), resumedFrom, transferred, sessionHash, attempts)
            { Withheld = header.Withheld.ToDictionary() };
    }

    /// <summary>Chunks already pulled and still matching their SHA-256, in order; the state is cut at the first bad one.</summary>
    private static List<ManifestChunk> LoadVerifiedState(string folder)
    {
        var done = new List<ManifestChunk>();
        string path = Path.Combine(folder, StateFile);
        if (!File.Exists(path))
        {
            // a finished pull: start over only if it no longer verifies
            if (File.Exists(Path.Combine(folder, PulledSessionManifest.FileName)) && new PulledSessionFolder(folder).Verify().Count == 0)
                done.AddRange(PulledSessionManifest.Load(folder).Chunks);
            return done;
        }
        foreach (var line in File.ReadLines(path))
        {
            ManifestChunk? entry;
            try { entry = JsonSerializer.Deserialize<ManifestChunk>(line, PulledSessionManifest.Json); }
            catch (JsonException) { break; } // a torn last line
            if (entry is null || entry.Ordinal != done.Count) break;
            string file = Path.Combine(folder, entry.File);
            if (!File.Exists(file) || Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file))) != entry.Sha256) break;
            done.Add(entry);
        }
        File.WriteAllLines(path, done.Select(c => JsonSerializer.Serialize(c, PulledSessionManifest.Json).ReplaceLineEndings("")));
        return done;
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
