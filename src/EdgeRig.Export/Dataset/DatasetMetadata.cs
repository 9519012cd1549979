using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeRig.Core;
using EdgeRig.Export.SessionMcap;

namespace EdgeRig.Export.Dataset;

/// <summary>metadata.json of an aligned dataset: the session, streams, units, encodings, reference, tolerance, time base, calibration and completeness.</summary>
public sealed record DatasetMetadata(
    string Format, DatasetSessionInfo Session, DatasetReferenceInfo Reference, long ToleranceNs, string TimeBase, DatasetCalibrationInfo Calibration,
    bool Complete, IReadOnlyList<DatasetProblemInfo> MissingOrCorruptChunks, IReadOnlyList<DatasetStreamInfo> Streams,
    IReadOnlyList<DatasetTableInfo> Tables, IReadOnlyDictionary<string, long> MatchesInTolerance, IReadOnlyDictionary<string, string> MatchRules)
{
    public const string FormatName = "edgerig-dataset/1";
    public const string FileName = "metadata.json";

    /// <summary>Each sensor's pose on the rig and each camera's lens; absent when the session has no geometry.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DatasetGeometryInfo? Geometry { get; init; }

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public const string TimeBaseText = "rig time: ns since the Unix epoch on the PTP-disciplined CLOCK_REALTIME (rig_ns as recorded; time_ns = rig_ns minus the " +
        "stream's calibrated fixed latency, equal to rig_ns without calibration; alignment uses time_ns); host_ns is the raw CLOCK_MONOTONIC at capture";

    /// <exception cref="InvalidDataException">the file is not an EdgeRig dataset's metadata.</exception>
    public static DatasetMetadata Load(string folder)
    {
        string path = Path.Combine(folder, FileName);
        var m = JsonSerializer.Deserialize<DatasetMetadata>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path} is empty");
        return m.Format == FormatName ? m : throw new InvalidDataException($"{path}: format '{m.Format}' is not '{FormatName}'");
    }

    internal static Dictionary<string, string> Rules(long toleranceNs) => new()
    {
        ["window"] = "[time_ns - period/2, time_ns - period/2 + period) with period = 1 / the reference's nominal rate (window_start_ns, window_end_ns)",
        ["dt_ns"] = "matched time_ns minus the reference row's time_ns (audio: first frame in the window minus window_start_ns)",
        ["camera, lidar, other"] = $"the nearest sample; in tolerance when |dt_ns| <= {toleranceNs}",
        ["imu"] = $"the rows in the window (STREAM_first_row, STREAM_rows into streams/STREAM.parquet) and every axis linearly interpolated at time_ns " +
            $"from the samples either side; in tolerance when both of those are within {toleranceNs} ns (null values when t is outside the stream)",
        ["audio"] = "the frames whose time (block time_ns + frame / sample rate) is in the window, in windows/STREAM.parquet (pcm, interleaved s16le); " +
            "in tolerance when the window holds the expected frame count within 1",
        ["gpio"] = $"the edges in the window (STREAM_first_row, STREAM_edges); dt_ns of the nearest; in tolerance when |dt_ns| <= {toleranceNs}, null without edges",
    };
}

public sealed record DatasetSessionInfo(string Id, string Name, string Operator, IReadOnlyDictionary<string, string> Tags, string Rig, string State,
    long StartNs, long? StopNs, string StopReason, IReadOnlyList<DatasetMarkerInfo> Markers);

public sealed record DatasetMarkerInfo(long TimeNs, string Label, string Note, string Source);

public sealed record DatasetReferenceInfo(string Stream, double NominalRateHz, long PeriodNs, long Rows);

/// <summary>The calibration applied: which profile and why in <see cref="Source"/> (<see cref="DatasetOptions.Calibration"/> sets it).</summary>
public sealed record DatasetCalibrationInfo(bool Applied, string Source, IReadOnlyDictionary<string, long> FixedLatencyNs, string Note);

public sealed record DatasetProblemInfo(string Stream, int Index, string Kind, string Reason);

public sealed record DatasetStreamInfo(string Id, string Modality, string Encoding, double NominalRateHz, string Units, string DeviceId, string FrameId,
    IReadOnlyDictionary<string, string> Parameters, long Recorded, long Exported, long? FirstTimeNs, long? LastTimeNs, string Table, string? Images);

/// <summary>The session's geometry (<see cref="SessionGeometry"/>): where it came from, and per stream with a frame its pose T_rig_frame
/// (translation in m, a rotation vector in degrees) and, for a camera, its lens (OpenCV's model).</summary>
public sealed record DatasetGeometryInfo(string Source, string RootFrame, IReadOnlyList<DatasetSensorGeometry> Sensors)
{
    public static DatasetGeometryInfo Of(SessionGeometry g) => new(g.Source, SessionGeometry.RigFrame,
        g.Frames.Select(f => f.Stream).Concat(g.Cameras.Select(c => c.Stream)).Distinct().Order(StringComparer.Ordinal).Select(stream =>
        {
            var pose = g.FrameFor(stream) is { } f ? SensorPose.From(f.RigFromFrame) : null;
            var camera = g.CameraFor(stream);
            return new DatasetSensorGeometry(stream, g.FrameFor(stream)?.FrameId ?? camera!.FrameId, pose?.TranslationM, pose?.RotationDeg,
                camera is null ? null : new DatasetCameraGeometry(camera.Width, camera.Height, camera.Intrinsics.Fx, camera.Intrinsics.Fy, camera.Intrinsics.Cx,
                    camera.Intrinsics.Cy, camera.Intrinsics.Distortion));
        }).ToList());
}

public sealed record DatasetSensorGeometry(string Stream, string FrameId, IReadOnlyList<double>? TranslationM, IReadOnlyList<double>? RotationDeg, DatasetCameraGeometry? Camera);

/// <summary>A camera's lens: pixels = K · distort(x/z, y/z), distortion k1 k2 p1 p2 k3 (OpenCV's order, "plumb_bob").</summary>
public sealed record DatasetCameraGeometry(int Width, int Height, double Fx, double Fy, double Cx, double Cy, IReadOnlyList<double> Distortion);

public sealed record DatasetTableInfo(string Path, long Rows, IReadOnlyList<DatasetColumnInfo> Columns);

/// <summary>A table column: <see cref="Type"/> is its Parquet/Arrow logical type name (int64, int32, float32, float64, bool, string, binary).</summary>
public sealed record DatasetColumnInfo(string Name, string Type, bool Nullable, string Unit);

/// <summary>Builds <see cref="DatasetMetadata"/> from what the export read and wrote.</summary>
internal static class DatasetMetadataBuilder
{
    public static DatasetMetadata Build(SessionRecord record, StreamTimeline reference, long toleranceNs, DatasetCalibration calibration,
        IReadOnlyList<ChunkProblem> problems, IReadOnlyList<StreamTimeline> streams, IReadOnlyList<ParquetTable> tables, IReadOnlyDictionary<string, long> inTolerance,
        SessionGeometry? geometry = null)
    {
        var s = record.Session;
        var session = new DatasetSessionInfo(s.Id, s.Name, s.Operator, new SortedDictionary<string, string>(s.Tags.ToDictionary(), StringComparer.Ordinal), s.RigName,
            s.State.ToString(), s.Start.Nanoseconds, s.Stop?.Nanoseconds, s.StopReason,
            record.Markers.OrderBy(m => m.Time).ThenBy(m => m.Label, StringComparer.Ordinal)
                .Select(m => new DatasetMarkerInfo(m.Time.Nanoseconds, m.Label, m.Note, m.Source)).ToList());
        var calibrationInfo = new DatasetCalibrationInfo(calibration.Applied, calibration.Source,
            new SortedDictionary<string, long>(calibration.FixedLatency.ToDictionary(kv => kv.Key, kv => kv.Value.Nanoseconds), StringComparer.Ordinal),
            calibration.Applied
                ? "time_ns = rig_ns - fixed_latency_ns[stream]; rig_ns is kept as recorded"
                : "not applied (see source): time_ns = rig_ns, and fixed sensor latencies (exposure, filters, transport) are not removed");
        return new DatasetMetadata(DatasetMetadata.FormatName, session,
            new DatasetReferenceInfo(reference.Id, reference.Descriptor.NominalRateHz, reference.Descriptor.NominalPeriod.Nanoseconds, reference.Count),
            toleranceNs, DatasetMetadata.TimeBaseText, calibrationInfo, problems.Count == 0,
            problems.Select(p => new DatasetProblemInfo(p.Stream, p.Index, p.Kind.ToString().ToLowerInvariant(), p.Reason)).ToList(),
            streams.Select(t => Stream(record, t)).ToList(),
            tables.OrderBy(t => t.Name, StringComparer.Ordinal).Select(Table).ToList(),
            new SortedDictionary<string, long>(inTolerance.ToDictionary(), StringComparer.Ordinal),
            DatasetMetadata.Rules(toleranceNs)) { Geometry = geometry is null ? null : DatasetGeometryInfo.Of(geometry) };
    }

    private static DatasetStreamInfo Stream(SessionRecord record, StreamTimeline t)
    {
        var d = t.Descriptor;
        return new DatasetStreamInfo(d.Id.Value, d.Modality.ToString().ToLowerInvariant(), d.Encoding, d.NominalRateHz, d.Units, d.DeviceId, d.FrameId,
            new SortedDictionary<string, string>(d.Parameters.ToDictionary(), StringComparer.Ordinal),
            record.Counts.TryGetValue(d.Id.Value, out var c) ? c.Recorded : 0, t.Count,
            t.Count == 0 ? null : t.TimeNs[0], t.Count == 0 ? null : t.TimeNs[^1], StreamTables.PathOf(d.Id.Value), t.IsCamera ? $"images/{d.Id.Value}/" : null);
    }

    private static DatasetTableInfo Table(ParquetTable t) =>
        new(t.Name, t.Rows, t.Columns.Select(c => new DatasetColumnInfo(c.Name, c.TypeName, c.Field.IsNullable, c.Unit)).ToList());
}
