using System.Security.Cryptography;
using EdgeRig.Formats;

namespace EdgeRig.Upload.Fleet;

/// <summary>How far a fleet pull is: bytes present and verified (skipped files included) of the total, and objects.</summary>
public sealed record FleetPullProgress(long BytesDone, long BytesTotal, int ObjectsDone, int ObjectsTotal);

/// <summary>
/// A finished fleet pull: the pulled-session folder (and the MCAP beside it, when asked for and uploaded), how many objects
/// were fetched and how many were already there and verified, the bytes fetched this run, and the chunks the rig itself
/// could not deliver (listed in the folder's manifest, as a partial gRPC pull lists them).
/// </summary>
public sealed record FleetPullResult(string Rig, string Session, string Folder, string? McapFile, int Objects, int Downloaded, int Skipped,
    long BytesTotal, long BytesDownloaded, string SessionSha256, IReadOnlyList<string> Missing)
{
    public bool Complete => Missing.Count == 0;
}

/// <summary>An object in the bucket does not match its manifest (damaged or replaced): nothing of it is kept.</summary>
public sealed class FleetDownloadException(string message) : Exception(message);

/// <summary>
/// Downloads one uploaded session, <c>RIG/SESSION</c>, into <c>OUT/SESSION</c> as exactly the folder `edgerig pull` writes
/// (<c>chunks/STREAM/INDEX.chunk</c> + <c>manifest.json</c>, the pulled manifest the upload carried), so
/// `edgerig export --from-folder` works on it as on a gRPC pull; with the MCAP export as <c>OUT/SESSION.mcap</c> on request.
/// Every object's SHA-256 is checked against the upload manifest before it takes its name (it is written as NAME.part and
/// renamed), and manifest.json is written last, so a folder with a manifest is whole. Resumable without a state file: a file
/// already there with the right hash is kept, a NAME.part is continued with a ranged GET (and started over if what it
/// holds turns out wrong).
/// </summary>
public sealed class FleetDownloader(IBucketReader reader, FleetOptions options, TimeProvider? time = null)
{
    private const string PartSuffix = ".part";
    private readonly RetryRunner retry = options.Validate().Runner(time);

    /// <summary>One object to bring: its key, its size and SHA-256 from the manifest, and the file it becomes.</summary>
    private sealed record Wanted(string Key, long Size, string Sha256, string File);

    /// <exception cref="FleetDownloadException">the session is not committed in the bucket, or an object is damaged.</exception>
    /// <exception cref="InvalidDataException">the manifest cannot rebuild a pulled folder, or OUT/SESSION holds another session.</exception>
    public async Task<FleetPullResult> PullAsync(string rig, string session, string outDir, bool withMcap, IProgress<FleetPullProgress>? progress,
        CancellationToken ct)
    {
        var layout = new ObjectLayout(options.Prefix, rig, session);
        var manifest = await ReadManifestAsync(layout, ct).ConfigureAwait(false);
        var pulled = PulledManifestOf(manifest, layout.ManifestKey);
        string folder = Path.GetFullPath(Path.Combine(outDir, session));
        CheckFolderIsThisSession(folder, pulled);

        var byPath = manifest.Objects.ToDictionary(o => o.Path, StringComparer.Ordinal);
        var wanted = pulled.Chunks.Select(c => byPath[c.File.Replace('\\', '/')])
            .Select(o => new Wanted(layout.Key(o.Path), o.Size, o.Sha256, Path.Combine(folder, o.Path))).ToList();
        string? mcapFile = null;
        if (withMcap && byPath.TryGetValue(ObjectLayout.McapName(session), out var mcap))
        {
            mcapFile = Path.GetFullPath(Path.Combine(outDir, mcap.Path));
            wanted.Add(new Wanted(layout.Key(mcap.Path), mcap.Size, mcap.Sha256, mcapFile));
        }

        long total = wanted.Sum(w => w.Size), done = 0, fetched = 0;
        int objectsDone = 0, downloaded = 0;
        void Report() => progress?.Report(new FleetPullProgress(Interlocked.Read(ref done), total, Volatile.Read(ref objectsDone), wanted.Count));
        Report();
        await Parallel.ForEachAsync(wanted, new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = ct }, async (w, c) =>
        {
            if (!await IsPresentAsync(w, c).ConfigureAwait(false))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(w.File)!);
                long counted = 0; // this object's bytes as they arrive; settled to its size once it verified
                await FetchAsync(w, n => { counted += n; Interlocked.Add(ref done, n); Interlocked.Add(ref fetched, n); Report(); }, c).ConfigureAwait(false);
                Interlocked.Add(ref done, w.Size - counted);
                Interlocked.Increment(ref downloaded);
            }
            else Interlocked.Add(ref done, w.Size);
            Interlocked.Increment(ref objectsDone);
            Report();
        }).ConfigureAwait(false);

        pulled.Save(folder); // last: a folder with a manifest is a whole pulled session
        return new FleetPullResult(rig, session, folder, mcapFile, wanted.Count, downloaded, wanted.Count - downloaded, total, Interlocked.Read(ref fetched),
            pulled.SessionSha256, [.. pulled.Missing.Select(m => m.ToString())]);
    }

    private async Task<UploadManifest> ReadManifestAsync(ObjectLayout layout, CancellationToken ct)
    {
        string key = layout.ManifestKey;
        var bytes = await retry.RunAsync($"GET {key}", async c =>
        {
            using var body = await reader.GetAsync(key, 0, c).ConfigureAwait(false);
            if (body is null) return null;
            using var copy = new MemoryStream();
            await body.Content.CopyToAsync(copy, c).ConfigureAwait(false);
            return copy.ToArray();
        }, ct).ConfigureAwait(false)
            ?? throw new FleetDownloadException($"{key} not found: there is no such session in the bucket, or its upload is not finished (no manifest yet)");
        var m = UploadManifest.Parse(bytes, key);
        string[] root = layout.SessionRoot.TrimEnd('/').Split('/');
        if (m.Rig != root[^2] || m.Session != root[^1]) throw new InvalidDataException($"{key} describes {m.Rig}/{m.Session}, not the folder it is in");
        return m;
    }

    /// <summary>The pulled manifest the upload carried, checked to be whole and consistent with the upload's objects.</summary>
    private static PulledSessionManifest PulledManifestOf(UploadManifest m, string key)
    {
        var pulled = m.PulledSession
            ?? throw new InvalidDataException($"{key} has no pulledSession: this upload was not made from a pulled-session folder, so there is no folder to rebuild");
        if (pulled.Format != PulledSessionManifest.FormatName)
            throw new InvalidDataException($"{key}: pulledSession format '{pulled.Format}' is not '{PulledSessionManifest.FormatName}'");
        if (PulledSessionManifest.ComputeSessionHash(pulled.Chunks, pulled.Missing ?? []) != pulled.SessionSha256)
            throw new InvalidDataException($"{key}: pulledSession's chunk hashes do not give its session hash {pulled.SessionSha256}");
        if (m.Objects.GroupBy(o => o.Path, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new InvalidDataException($"{key} lists object {twice.Key} {twice.Count()} times");
        if (pulled.Chunks.GroupBy(c => c.File.Replace('\\', '/'), StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } shared)
            throw new InvalidDataException($"{key}: {shared.Count()} chunks of the pulled session share the file {shared.Key}");
        var byPath = m.Objects.ToDictionary(o => o.Path, StringComparer.Ordinal);
        foreach (var c in pulled.Chunks)
        {
            string path = c.File.Replace('\\', '/');
            if (!path.StartsWith("chunks/", StringComparison.Ordinal)) throw new InvalidDataException($"{key}: chunk file '{path}' is not under chunks/");
            try { ObjectLayout.CheckPath(path, "chunk file"); }
            catch (UploadSettingsException e) { throw new InvalidDataException($"{key}: {e.Message}"); } // a forged path must not leave OUT
            if (!byPath.TryGetValue(path, out var o) || o.Sha256 != c.Sha256)
                throw new InvalidDataException($"{key}: chunk {path} of the pulled session is not among the uploaded objects with SHA-256 {c.Sha256}");
        }
        return pulled.Missing is null ? pulled with { Missing = [] } : pulled;
    }

    /// <summary>OUT/SESSION may be new, a pull of this session begun or done; not another session of the same id.</summary>
    private static void CheckFolderIsThisSession(string folder, PulledSessionManifest pulled)
    {
        if (!File.Exists(Path.Combine(folder, PulledSessionManifest.FileName))) return;
        PulledSessionManifest there;
        try { there = PulledSessionManifest.Load(folder); }
        catch (Exception e) when (e is InvalidDataException or System.Text.Json.JsonException)
        {
            throw new InvalidDataException($"{folder} holds a manifest.json that is not a pulled session ({e.Message}); choose another --out");
        }
        if (there.SessionSha256 != pulled.SessionSha256 || there.Session.Rig != pulled.Session.Rig)
            throw new InvalidDataException(
                $"{folder} holds another session {there.Session.Rig}/{there.Session.Id} (session hash {there.SessionSha256}); choose another --out");
    }

    /// <summary>The file is already there with the right size and SHA-256 (a finished earlier run).</summary>
    private static async Task<bool> IsPresentAsync(Wanted w, CancellationToken ct)
    {
        var info = new FileInfo(w.File);
        if (!info.Exists || info.Length != w.Size) return false;
        await using var file = OpenRead(w.File);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(file, ct).ConfigureAwait(false)) == w.Sha256;
    }

    /// <summary>
    /// Brings one object into NAME.part (continuing what a .part already holds), checks its size and SHA-256, renames it.
    /// A .part from an earlier run that does not check out is started over once; a fresh download that does not is the
    /// bucket's fault and refused naming the object.
    /// </summary>
    private async Task FetchAsync(Wanted w, Action<long> onBytes, CancellationToken ct)
    {
        string part = w.File + PartSuffix;
        for (bool resumed = File.Exists(part); ; resumed = false)
        {
            if (!resumed) File.Delete(part);
            else if (new FileInfo(part).Length > w.Size) File.Delete(part);
            await retry.RunAsync($"GET {w.Key}", c => ContinueAsync(w, part, onBytes, c), ct).ConfigureAwait(false);
            var (size, sha) = await HashAsync(part, ct).ConfigureAwait(false);
            if (size == w.Size && sha == w.Sha256) break;
            File.Delete(part);
            if (!resumed)
                throw new FleetDownloadException($"{w.Key} is damaged in the bucket: {size} bytes, SHA-256 {sha}; its manifest says {w.Size} bytes, " +
                    $"SHA-256 {w.Sha256}. Nothing of it was kept; the objects before it are, for a later run.");
        }
        File.Move(part, w.File, overwrite: true);
    }

    /// <summary>One attempt: GET the bytes the .part lacks and append them (a retry after a cut continues from where it stopped).</summary>
    private async Task ContinueAsync(Wanted w, string part, Action<long> onBytes, CancellationToken ct)
    {
        await using var file = new FileStream(part, FileMode.Append, FileAccess.Write, FileShare.None, 1 << 16);
        long have = file.Length;
        if (have == w.Size && w.Size > 0) return; // nothing left to fetch: the hash decides
        using var body = await reader.GetAsync(w.Key, have, ct).ConfigureAwait(false)
            ?? throw new FleetDownloadException($"{w.Key} is listed in the session's manifest but missing from the bucket");
        byte[] buffer = new byte[1 << 16];
        for (int n; (n = await body.Content.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0;)
        {
            await file.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
            onBytes(n);
        }
    }

    private static async Task<(long Size, string Sha256)> HashAsync(string path, CancellationToken ct)
    {
        await using var file = OpenRead(path);
        return (file.Length, Convert.ToHexStringLower(await SHA256.HashDataAsync(file, ct).ConfigureAwait(false)));
    }

    private static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
}
