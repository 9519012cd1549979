using EdgeRig.Core;
using EdgeRig.Export.Dataset;
using EdgeRig.Export.Mcap;
using EdgeRig.Export.SessionMcap;

namespace EdgeRig.Export;

/// <summary>What a session export writes: one MCAP file, or an aligned Parquet dataset folder.</summary>
public enum SessionExportFormat { Mcap, Dataset }

/// <summary>
/// One export of a session, whatever asked for it (gRPC, the CLI from a pulled folder, the fleet uploader): the format, what it
/// includes, and the calibration its times carry. Defaults: MCAP with zstd chunks, every stream, the whole session, rig time.
/// </summary>
public sealed record SessionExportOptions
{
    public SessionExportFormat Format { get; init; } = SessionExportFormat.Mcap;

    /// <summary>Stream ids to export; empty exports every stream.</summary>
    public IReadOnlyList<string> Streams { get; init; } = [];

    /// <summary>Earliest rig time exported (inclusive); null for no lower bound.</summary>
    public RigTime? From { get; init; }

    /// <summary>Latest rig time exported (inclusive); null for no upper bound.</summary>
    public RigTime? To { get; init; }

    /// <summary>The calibration applied to the times (and attached to an MCAP); null exports rig time as recorded.</summary>
    public SessionCalibration? Calibration { get; init; }

    /// <summary>MCAP: chunk compression.</summary>
    public McapCompression Compression { get; init; } = McapCompression.Zstd;

    /// <summary>Dataset: the stream whose samples are the rows; null for the first camera.</summary>
    public string? Reference { get; init; }

    /// <summary>Dataset: the largest |time difference| of an aligned match; null for half the reference's period.</summary>
    public Duration? Tolerance { get; init; }
}

/// <summary>
/// The one export path of a session: the source (the caller's, already filtered by what may leave the rig), the calibration,
/// the attachments (calibration profile, QA report) and the writer. <see cref="Prepare"/> checks the options against the
/// session before anything is written, so a caller can refuse the export (e.g. a QA gate) between the two steps.
/// </summary>
public sealed class SessionExport
{
    private readonly ISessionSource _source;
    private readonly SessionMcapOptions? _mcap;
    private readonly DatasetOptions? _dataset;

    private SessionExport(ISessionSource source, SessionMcapOptions? mcap, DatasetOptions? dataset) =>
        (_source, _mcap, _dataset) = (source, mcap, dataset);

    /// <summary>The session as exported (streams left out by the source are not in it).</summary>
    public SessionRecord Record => _source.Record;

    public SessionExportFormat Format => _mcap is null ? SessionExportFormat.Dataset : SessionExportFormat.Mcap;

    /// <exception cref="ArgumentException">the options name an unknown stream, an empty time range, or (dataset) a bad reference or tolerance.</exception>
    public static SessionExport Prepare(ISessionSource source, SessionExportOptions options)
    {
        var calibration = options.Calibration;
        var record = source.Record;
        // the applied profile's spatial section, else the rig file's design geometry as recorded with the session
        var geometry = calibration?.Geometry ?? SessionGeometry.Recorded(record.Streams, record.Session.RigName);
        if (options.Format == SessionExportFormat.Dataset)
        {
            var dataset = new DatasetOptions
            {
                Reference = options.Reference, Tolerance = options.Tolerance, Streams = options.Streams, From = options.From, To = options.To,
                Calibration = calibration is null ? DatasetCalibration.None : new DatasetCalibration(calibration.Source, calibration.Offsets),
                Geometry = geometry,
            };
            dataset.Validate(source.Record.Streams);
            return new SessionExport(source, null, dataset);
        }
        var mcap = new SessionMcapOptions
        {
            Streams = options.Streams, From = options.From, To = options.To, Compression = options.Compression,
            Attachments = [.. calibration?.Attachment is { } profile ? [profile] : Array.Empty<SessionAttachment>(),
                .. SessionAttachment.QaReportOf(record) is { } qa ? [qa] : Array.Empty<SessionAttachment>()],
            Geometry = geometry,
        };
        mcap.Validate(record.Streams);
        return new SessionExport(calibration?.Apply(source) ?? source, mcap, null);
    }

    /// <summary>Writes the MCAP file to <paramref name="output"/>; damaged chunks are left out and named in the result and the file.</summary>
    /// <exception cref="InvalidOperationException">the export was prepared as a dataset.</exception>
    public SessionMcapResult WriteMcap(Stream output, IProgress<double>? progress = null, CancellationToken cancellationToken = default) =>
        SessionMcapExporter.Export(_source, output, _mcap ?? throw new InvalidOperationException("this export was prepared as a dataset; write it with WriteDatasetAsync"),
            progress, cancellationToken);

    /// <summary>Writes the dataset folder (built beside it and moved into place when whole); damaged chunks are named in metadata.json.</summary>
    /// <exception cref="InvalidOperationException">the export was prepared as MCAP.</exception>
    public Task<DatasetResult> WriteDatasetAsync(string folder, IProgress<double>? progress = null, CancellationToken cancellationToken = default) =>
        DatasetExporter.ExportAsync(_source, folder, _dataset ?? throw new InvalidOperationException("this export was prepared as MCAP; write it with WriteMcap"),
            progress, cancellationToken);
}
