using EdgeRig.Formats;

namespace EdgeRig.Upload;

/// <summary>
/// One thing to upload: its path under the session root (e.g. chunks/cam0/000001.chunk or SESSION.mcap), how to open it,
/// and, when its source knows it (a pulled manifest, an export that hashed what it wrote), the SHA-256 it must have: a file
/// that differs is refused, never uploaded; a file of multipart size with one is read once, hashed while it is sent.
/// <see cref="Open"/> is called more than once (to size or hash, to send, again after a failed verification), and every stream it
/// returns must give the same bytes: a file, or an export written to disk first, not a one-shot network stream.
/// </summary>
public sealed record UploadItem(string Path, Func<Stream> Open, string? ExpectedSha256 = null)
{
    /// <summary>
    /// The same item, each read of it waiting for <paramref name="gate"/> first (e.g. while the recorder is behind), so the
    /// upload, which reads a part at a time, sends nothing new until the gate opens.
    /// </summary>
    public UploadItem GatedBy(Func<CancellationToken, Task> gate)
    {
        var open = Open;
        return this with { Open = () => new GatedReadStream(open(), gate) };
    }

    /// <summary>A file on disk.</summary>
    public static UploadItem FromFile(string path, string file, string? expectedSha256 = null) =>
        new(path, () => new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan), expectedSha256);
}

/// <summary>
/// What one session upload sends: the session id, its items, and the pulled session's manifest when the source is a pulled
/// folder (it goes into the upload manifest). Built from a pulled folder (<see cref="FromPulledFolder"/>) or from any files
/// or streams (<see cref="FromItems"/>), so the service can upload exports it streams as well as folders.
/// </summary>
public sealed record SessionUploadSource(string SessionId, IReadOnlyList<UploadItem> Items, PulledSessionManifest? PulledSession = null)
{
    /// <summary>The session's QA verdict, written into the upload manifest for the fleet view (the pulled manifest has none).</summary>
    public string? QaVerdict { get; init; }

    /// <summary>The session's calibration profile (NAME@VERSION), written into the upload manifest for the fleet view.</summary>
    public string? Calibration { get; init; }

    /// <summary>
    /// A pulled-session folder (manifest.json + chunks/STREAM/INDEX.chunk, as the CLI's pull writes it): every chunk the
    /// manifest lists, checked against its SHA-256 on the way, plus <paramref name="extra"/> (e.g. the SESSION.mcap export).
    /// The folder's own manifest travels inside the upload manifest; pull bookkeeping (.pull-state.jsonl) stays behind.
    /// </summary>
    /// <exception cref="InvalidDataException">the folder is not a pulled session.</exception>
    public static SessionUploadSource FromPulledFolder(string folder, params UploadItem[] extra)
    {
        var manifest = PulledSessionManifest.Load(folder);
        var items = manifest.Chunks
            .Select(c => UploadItem.FromFile(c.File.Replace('\\', '/'), System.IO.Path.Combine(folder, c.File), c.Sha256))
            .Concat(extra).ToList();
        return new SessionUploadSource(manifest.Session.Id, items, manifest);
    }

    public static SessionUploadSource FromItems(string sessionId, params UploadItem[] items) => new(sessionId, items);
}
