using EdgeRig.Core;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeRig.Export.SessionMcap;

namespace EdgeRig.Export.Dataset;

/// <summary>
/// Writes a recorded session as an aligned multi-rate dataset folder: frames.parquet (one row per reference sample with every other
/// stream's match), streams/STREAM.parquet (every sample of every stream at its own rate), windows/AUDIO.parquet (each frame's audio),
/// images/CAMERA/SEQ.jpg and metadata.json. Missing or corrupt chunks are left out and named in metadata.json (complete: false).
/// The folder is built as FOLDER.part and renamed when whole; the same input gives the same bytes.
/// </summary>
public static class DatasetExporter
{
    /// <exception cref="ArgumentException">bad options, or <paramref name="folder"/> exists and is neither empty nor a dataset.</exception>
    public static async Task<DatasetResult> ExportAsync(ISessionSource source, string folder, DatasetOptions? options = null,
        IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new DatasetOptions();
        var record = source.Record;
        var referenceDescriptor = options.Validate(record.Streams);
        folder = Path.GetFullPath(folder);
        CheckReplaceable(folder);
        string part = folder + ".part";
        if (Directory.Exists(part)) Directory.Delete(part, recursive: true);
        Directory.CreateDirectory(part);

        var problems = new List<ChunkProblem>();
        var timelines = StreamTimeline.Load(source, options, part, problems, p => progress?.Report(0.8 * p), cancellationToken);
        problems.Sort((a, b) => (string.CompareOrdinal(a.Stream, b.Stream), a.Index.CompareTo(b.Index)) switch { (0, var i) => i, (var s, _) => s });
        var reference = timelines.Single(t => t.Descriptor.Id == referenceDescriptor.Id);
        long toleranceNs = (options.Tolerance ?? new Core.Duration(referenceDescriptor.NominalPeriod.Nanoseconds / 2)).Nanoseconds;
        var aligner = new FrameAligner(reference, toleranceNs, options.Geometry);
        var tables = timelines.SelectMany(StreamTables.For).Concat(aligner.Align(timelines.Where(t => t != reference).ToList())).ToList();
        for (int i = 0; i < tables.Count; i++)
        {
            await tables[i].WriteAsync(part, cancellationToken);
            progress?.Report(0.8 + 0.2 * (i + 1) / tables.Count);
        }
        var metadata = DatasetMetadataBuilder.Build(record, reference, toleranceNs, options.Calibration, problems, timelines, tables, aligner.MatchesInTolerance,
            options.Geometry);
        await File.WriteAllTextAsync(Path.Combine(part, DatasetMetadata.FileName), JsonSerializer.Serialize(metadata, DatasetMetadata.Json) + "\n", cancellationToken);

        var (bytes, digest) = Digest(part);
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        Directory.Move(part, folder);
        var rows = new SortedDictionary<string, long>(tables.ToDictionary(t => t.Name, t => (long)t.Rows), StringComparer.Ordinal);
        return new DatasetResult(record.Session.Id, folder, reference.Id, new Core.Duration(toleranceNs), rows, metadata.MatchesInTolerance, problems, bytes, digest);
    }

    /// <summary>Total bytes, and SHA-256 over the lines "PATH SHA256\n" of every file in ordinal path order: equal digests, equal datasets.</summary>
    public static (long Bytes, string Sha256) Digest(string folder)
    {
        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Select(f => (Full: f, Relative: Path.GetRelativePath(folder, f).Replace('\\', '/'))).OrderBy(f => f.Relative, StringComparer.Ordinal).ToList();
        var listing = new StringBuilder();
        long bytes = 0;
        foreach (var (full, relative) in files)
        {
            using var stream = File.OpenRead(full);
            bytes += stream.Length;
            listing.Append(relative).Append(' ').Append(Convert.ToHexStringLower(SHA256.HashData(stream))).Append('\n');
        }
        return (bytes, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(listing.ToString()))));
    }

    private static void CheckReplaceable(string folder)
    {
        if (File.Exists(folder)) throw new ArgumentException($"'{folder}' is a file; a dataset is written to a folder");
        if (!Directory.Exists(folder) || !Directory.EnumerateFileSystemEntries(folder).Any()) return;
        try
        {
            DatasetMetadata.Load(folder);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or JsonException)
        {
            throw new ArgumentException($"'{folder}' exists and is not an EdgeRig dataset ({e.Message}); refusing to replace it");
        }
    }
}
