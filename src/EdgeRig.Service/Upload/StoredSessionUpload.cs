using EdgeRig.Core;
using EdgeRig.Export;
using EdgeRig.Formats;
using EdgeRig.Upload;

namespace EdgeRig.Service.Upload;

/// <summary>
/// One finished session as the upload queue sends it: the pulled-folder layout straight from the store (every chunk the
/// egress policy lets out, with the manifest a gRPC pull would write and the QA report), plus the exports the rig file's
/// <c>upload.formats</c> ask for, written into a staging folder first (uploads open each item more than once, and an
/// export must give the same bytes every time). Nothing here decides whether the session may go: the queue does.
/// </summary>
internal sealed class StoredSessionUpload(ISessionStore store, Privacy.EgressPolicy egress, Calibration.Profiles.ICalibrationProfileStore? profiles,
    Recording.RecordingPipeline pipeline)
{
    /// <summary>The role uploads leave the rig as: the data team's (consent and redaction decide exactly as for its pulls).</summary>
    public const Role UploadRole = Role.Data;

    public sealed record Prepared(SessionUploadSource Source, IReadOnlyDictionary<string, string> Withheld, IReadOnlyList<string> Damaged);

    /// <exception cref="IOException">the staging folder could not be written (a full disk): the queue tries again later.</exception>
    public async Task<Prepared> PrepareAsync(SessionRecord record, IReadOnlyList<string> formats, string staging, CancellationToken ct)
    {
        string id = record.Session.Id;
        var items = new List<UploadItem>();
        var withheld = egress.WithheldFromStoredBytes(record, UploadRole);
        PulledSessionManifest? pulled = null;
        var damaged = new List<string>();
        if (formats.Contains("session"))
        {
            pulled = PulledManifest(record, withheld, out var missing);
            damaged.AddRange(missing.Select(m => m.ToString()));
            foreach (var chunk in pulled.Chunks)
            {
                var info = chunk.ToChunkInfo();
                items.Add(new UploadItem(chunk.File.Replace('\\', '/'), () => new MemoryStream(store.ReadChunk(id, info), writable: false), chunk.Sha256));
            }
            if (SessionAttachment.QaReportOf(record) is { } qa)
                items.Add(new UploadItem(SessionAttachment.QaReportName, () => new MemoryStream(qa.Data, writable: false)));
        }
        var decision = egress.For(record, UploadRole);
        var calibration = Calibration.Profiles.CalibrationProfileLookup.ForExport(profiles, record, "");
        Directory.CreateDirectory(staging);
        if (formats.Contains("mcap"))
        {
            string file = Path.Combine(staging, ObjectLayout.McapName(id));
            string? sha256 = null; // known when exported now (the export hashes what it writes); a file staged before a restart is hashed by the uploader
            if (!File.Exists(file))
            {
                var export = SessionExport.Prepare(egress.Outgoing(store, record, decision, out _), new SessionExportOptions { Calibration = calibration });
                await WriteWholeAsync(file, f => { sha256 = export.WriteMcap(f, null, ct).Sha256; return Task.CompletedTask; }, ct);
            }
            items.Add(UploadItem.FromFile(ObjectLayout.McapName(id), file, sha256));
        }
        if (formats.Contains("dataset"))
        {
            string folder = Path.Combine(staging, "dataset");
            if (!Directory.Exists(folder))
            {
                var export = SessionExport.Prepare(egress.Outgoing(store, record, decision, out _),
                    new SessionExportOptions { Format = SessionExportFormat.Dataset, Calibration = calibration });
                await export.WriteDatasetAsync(folder, null, ct); // built beside the folder and moved into place when whole
            }
            foreach (string file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                items.Add(UploadItem.FromFile("dataset/" + Path.GetRelativePath(folder, file).Replace('\\', '/'), file));
        }
        // every read of every item waits while recording is behind: uploads run below recording in priority (as pulls do)
        var source = new SessionUploadSource(id, [.. items.Select(i => i.GatedBy(pipeline.YieldToRecordingAsync))], pulled) { QaVerdict = record.QaVerdict?.Name(), Calibration = record.Session.Calibration.Length > 0 ? record.Session.Calibration : null };
        return new Prepared(source, withheld, damaged);
    }

    /// <summary>The manifest a gRPC pull by the upload role would write: the same chunks in the same order, the same hashes.</summary>
    private PulledSessionManifest PulledManifest(SessionRecord record, IReadOnlyDictionary<string, string> withheld, out List<ManifestMissingChunk> missing)
    {
        var s = record.Session;
        var listed = store.ListChunksWithSha256(s.Id).Where(c => !withheld.ContainsKey(c.Stream.Value)).ToList();
        var chunks = new List<ManifestChunk>();
        missing = [];
        for (int ordinal = 0; ordinal < listed.Count; ordinal++)
        {
            var c = listed[ordinal];
            if (c.Sha256Hex.Length == 0)
                missing.Add(new ManifestMissingChunk(ordinal, c.Stream.Value, c.Index, c.FirstSequence, c.LastSequence, c.Count, c.FirstRigTime.Nanoseconds,
                    c.LastRigTime.Nanoseconds, c.Codec.ToString(), c.RawLength, c.StoredLength, c.Crc32C, "", "corrupt", "the chunk failed its checksum on the rig"));
            else
                chunks.Add(new ManifestChunk(ordinal, c.Stream.Value, c.Index, c.FirstSequence, c.LastSequence, c.Count, c.FirstRigTime.Nanoseconds,
                    c.LastRigTime.Nanoseconds, c.Codec.ToString(), c.RawLength, c.StoredLength, c.Crc32C, c.Sha256Hex, ManifestChunk.RelativePath(c.Stream.Value, c.Index)));
        }
        return PulledSessionManifest.Create(
            new ManifestSession(s.Id, s.Name, s.Operator, s.Tags.ToDictionary(), s.Start.Nanoseconds, s.Stop?.Nanoseconds ?? 0, s.State.ToString(), s.RigName, s.StopReason),
            record.Streams.Select(x => new ManifestStream(x.Id.Value, x.Modality.ToString().ToLowerInvariant(), x.Encoding, x.NominalRateHz, x.Units,
                x.DeviceId, x.FrameId, x.SensorTickRateHz, x.Timestamps.ToString(), x.SensorWrapModulus, x.KnownLatency.Nanoseconds, x.Parameters.ToDictionary())),
            record.Counts.Select(kv => KeyValuePair.Create(kv.Key, new ManifestCounts(kv.Value.Produced, kv.Value.Recorded, kv.Value.Dropped, kv.Value.SensorGaps))),
            record.Markers.Select(m => new ManifestMarker(m.Time.Nanoseconds, m.Label, m.Note, m.Source)), chunks, missing, withheld,
            // the session's stop time, not the upload's: the same session always gives the same manifest bytes
            s.Stop?.ToDateTimeOffset() ?? s.Start.ToDateTimeOffset());
    }

    /// <summary>Writes FILE.part, flushes it to disk and renames it: a file in the staging folder is always whole.</summary>
    private static async Task WriteWholeAsync(string file, Func<Stream, Task> write, CancellationToken ct)
    {
        string part = file + ".part";
        try
        {
            await using (var f = new FileStream(part, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                await write(f);
                f.Flush(flushToDisk: true);
            }
            ct.ThrowIfCancellationRequested();
            File.Move(part, file, overwrite: true);
        }
        finally
        {
            if (File.Exists(part)) File.Delete(part);
        }
    }
}
