using EdgeRig.Core;

namespace EdgeRig.Export.Dataset;

/// <summary>
/// Aligns every stream to the reference: one row of frames.parquet per reference sample at aligned time t with window
/// [t - period/2, t - period/2 + period). Per other stream, by encoding: IMU rows in the window plus values interpolated at t;
/// the audio frames whose own times fall in the window (windows/STREAM.parquet); GPIO edges in the window; for cameras, LIDAR
/// and anything else the nearest sample. Each match has its time difference (match - t) and whether it is within tolerance.
/// </summary>
internal sealed class FrameAligner(StreamTimeline reference, long toleranceNs, SessionGeometry? geometry = null)
{
    public const string FramesTable = "frames.parquet";

    private readonly long _periodNs = reference.Descriptor.NominalPeriod.Nanoseconds;
    private readonly Dictionary<string, long> _inTolerance = new(StringComparer.Ordinal);

    public static string WindowsPathOf(string stream) => $"windows/{stream}.parquet";

    public static string ProjectionPathOf(string lidar, string camera) => $"projections/{lidar}_in_{camera}.parquet";

    /// <summary>Per stream: how many reference rows have a match within tolerance.</summary>
    public IReadOnlyDictionary<string, long> MatchesInTolerance => _inTolerance;

    public long WindowStart(int row) => reference.TimeNs[row] - _periodNs / 2;

    public long WindowEnd(int row) => WindowStart(row) + _periodNs;

    /// <summary>frames.parquet, per audio stream its windows table, and per LIDAR its points in the reference camera when the
    /// geometry has both.</summary>
    public IEnumerable<ParquetTable> Align(IReadOnlyList<StreamTimeline> others)
    {
        int n = reference.Count;
        var frames = new ParquetTable(FramesTable)
            .Add("row", Enumerable.Range(0, n).Select(i => (long)i).ToArray(), "row")
            .Add("seq", reference.Sequence)
            .Add("rig_ns", reference.RigNs, "ns")
            .Add("time_ns", reference.TimeNs, "ns")
            .Add("host_ns", reference.HostNs, "ns")
            .Add("error_bound_ns", reference.ErrorBoundNs, "ns")
            .Add("window_start_ns", Enumerable.Range(0, n).Select(WindowStart).ToArray(), "ns")
            .Add("window_end_ns", Enumerable.Range(0, n).Select(WindowEnd).ToArray(), "ns");
        if (reference.IsCamera) frames.AddStrings("image", reference.Images);
        foreach (var s in others)
        {
            switch (s.Descriptor.Encoding)
            {
                case Encodings.Imu6: AddImu(frames, s); break;
                case Encodings.PcmS16Le: yield return AddAudio(frames, s); break;
                case Encodings.GpioEdge: AddEdges(frames, s); break;
                default:
                    var rows = AddNearest(frames, s);
                    if (s.Descriptor.Encoding == Encodings.LidarScan && geometry is not null && LidarProjection.For(geometry, reference.Id, s.Id) is { } projection)
                        yield return Project(s, rows, projection);
                    break;
            }
        }
        yield return frames;
    }

    /// <summary>The nearest sample of <paramref name="s"/> per reference row (null where the stream has none).</summary>
    private long?[] AddNearest(ParquetTable frames, StreamTimeline s)
    {
        int n = reference.Count;
        var row = new long?[n];
        var seq = new long?[n];
        var dt = new long?[n];
        var ok = new bool[n];
        for (int i = 0; i < n; i++)
        {
            int k = TimeSearch.Nearest(s.TimeNs, reference.TimeNs[i]);
            if (k < 0) continue;
            (row[i], seq[i], dt[i]) = (k, s.Sequence[k], s.TimeNs[k] - reference.TimeNs[i]);
            ok[i] = Math.Abs(dt[i]!.Value) <= toleranceNs;
        }
        frames.AddNullable($"{s.Id}_row", row, "row").AddNullable($"{s.Id}_seq", seq).AddNullable($"{s.Id}_dt_ns", dt, "ns").Add($"{s.Id}_in_tolerance", ok);
        if (s.IsCamera) frames.AddStrings($"{s.Id}_image", row.Select(k => k is { } r ? s.Images[r] : null).ToArray());
        Count(s, ok);
        return row;
    }

    /// <summary>
    /// Each reference row's matched scan (the nearest, as in frames.parquet) projected into the reference camera: one row per point
    /// that lands in the image in front of it, with its pixel (distortion included) and depth along the optical axis.
    /// </summary>
    private ParquetTable Project(StreamTimeline lidar, long?[] matched, LidarProjection projection)
    {
        var (frameRow, scanRow, point, u, v, depth) = (new List<long>(), new List<long>(), new List<int>(), new List<double>(), new List<double>(), new List<double>());
        for (int i = 0; i < matched.Length; i++)
        {
            if (matched[i] is not { } k) continue;
            var payload = lidar.Payloads[(int)k].Span;
            for (int j = 0; j < payload.Length / StreamTables.LidarPointSize; j++)
            {
                var (angle, range) = StreamTables.LidarPoint(payload, j);
                if (!projection.TryProject(angle, range, out var p)) continue;
                frameRow.Add(i); scanRow.Add(k); point.Add(j); u.Add(p.U); v.Add(p.V); depth.Add(p.DepthM);
            }
        }
        return new ParquetTable(ProjectionPathOf(lidar.Id, reference.Id))
            .Add("frame_row", frameRow.ToArray(), "row").Add("scan_row", scanRow.ToArray(), "row").Add("point", point.ToArray())
            .Add("u", u.ToArray(), "px").Add("v", v.ToArray(), "px").Add("depth_m", depth.ToArray(), "m");
    }

    private void AddImu(ParquetTable frames, StreamTimeline s)
    {
        int n = reference.Count;
        var (first, rows, dt, ok) = (new long[n], new int[n], new long?[n], new bool[n]);
        var values = Enumerable.Range(0, 6).Select(_ => new float?[n]).ToArray();
        for (int i = 0; i < n; i++)
        {
            long t = reference.TimeNs[i];
            (first[i], rows[i]) = TimeSearch.InWindow(s.TimeNs, WindowStart(i), WindowEnd(i));
            int nearest = TimeSearch.Nearest(s.TimeNs, t);
            if (nearest >= 0) dt[i] = s.TimeNs[nearest] - t;
            int after = TimeSearch.LowerBound(s.TimeNs, t);
            int before = after < s.Count && s.TimeNs[after] == t ? after : after - 1;
            if (before < 0 || after >= s.Count) continue;
            ok[i] = t - s.TimeNs[before] <= toleranceNs && s.TimeNs[after] - t <= toleranceNs;
            double w = before == after ? 0 : (double)(t - s.TimeNs[before]) / (s.TimeNs[after] - s.TimeNs[before]);
            for (int axis = 0; axis < 6; axis++)
            {
                float a = StreamTables.ImuValue(s, before, axis), b = StreamTables.ImuValue(s, after, axis);
                values[axis][i] = (float)(a + w * (b - a));
            }
        }
        frames.Add($"{s.Id}_first_row", first, "row").Add($"{s.Id}_rows", rows, "rows").AddNullable($"{s.Id}_dt_ns", dt, "ns").Add($"{s.Id}_in_tolerance", ok);
        string[] names = ["ax", "ay", "az", "gx", "gy", "gz"];
        for (int axis = 0; axis < 6; axis++) frames.AddNullable($"{s.Id}_{names[axis]}", values[axis], axis < 3 ? "m/s^2" : "rad/s");
        Count(s, ok);
    }

    private void AddEdges(ParquetTable frames, StreamTimeline s)
    {
        int n = reference.Count;
        var (first, edges, dt, ok) = (new long[n], new int[n], new long?[n], new bool?[n]);
        for (int i = 0; i < n; i++)
        {
            (first[i], edges[i]) = TimeSearch.InWindow(s.TimeNs, WindowStart(i), WindowEnd(i));
            if (edges[i] == 0) continue;
            long t = reference.TimeNs[i];
            dt[i] = Enumerable.Range((int)first[i], edges[i]).Select(k => s.TimeNs[k] - t).MinBy(Math.Abs);
            ok[i] = Math.Abs(dt[i]!.Value) <= toleranceNs;
        }
        frames.Add($"{s.Id}_first_row", first, "row").Add($"{s.Id}_edges", edges, "edges").AddNullable($"{s.Id}_dt_ns", dt, "ns").AddNullable($"{s.Id}_in_tolerance", ok);
        _inTolerance[s.Id] = ok.Count(x => x == true);
    }

    private ParquetTable AddAudio(ParquetTable frames, StreamTimeline s)
    {
        var format = AudioFormat.Of(s.Descriptor);
        int n = reference.Count;
        long expected = (long)Math.Round(_periodNs * format.SampleRateHz / 1e9);
        long longest = AudioWindow.LongestBlockNs(s, format);
        var windows = Enumerable.Range(0, n).Select(i => AudioWindow.Cut(s, format, longest, WindowStart(i), WindowEnd(i))).ToArray();
        var dt = windows.Select((w, i) => w.FirstFrameNs is { } f ? f - WindowStart(i) : (long?)null).ToArray();
        var ok = windows.Select(w => Math.Abs(w.Frames - expected) <= 1).ToArray();
        frames.Add($"{s.Id}_frames", windows.Select(w => w.Frames).ToArray(), "frames").AddNullable($"{s.Id}_dt_ns", dt, "ns").Add($"{s.Id}_in_tolerance", ok);
        Count(s, ok);
        return new ParquetTable(WindowsPathOf(s.Id))
            .Add("row", Enumerable.Range(0, n).Select(i => (long)i).ToArray(), "row")
            .Add("seq", reference.Sequence)
            .Add("window_start_ns", Enumerable.Range(0, n).Select(WindowStart).ToArray(), "ns")
            .Add("window_end_ns", Enumerable.Range(0, n).Select(WindowEnd).ToArray(), "ns")
            .AddNullable("first_frame_ns", windows.Select(w => w.FirstFrameNs).ToArray(), "ns")
            .Add("frames", windows.Select(w => w.Frames).ToArray(), "frames")
            .Add("expected_frames", Enumerable.Repeat(expected, n).ToArray(), "frames")
            .Add("channels", Enumerable.Repeat(format.Channels, n).ToArray())
            .Add("sample_rate_hz", Enumerable.Repeat(format.SampleRateHz, n).ToArray(), "Hz")
            .AddBytes("pcm", windows.Select(w => w.Pcm).ToArray(), Encodings.PcmS16Le);
    }

    private void Count(StreamTimeline s, bool[] ok) => _inTolerance[s.Id] = ok.Count(x => x);
}
