using EdgeRig.Core;
using EdgeRig.Export.Dataset;
using EdgeRig.Export.SessionMcap;
using EdgeRig.Export.Tests.SessionMcap;
using static EdgeRig.Export.Tests.SessionMcap.SyntheticSessionFolder;

namespace EdgeRig.Export.Tests.Dataset;

/// <summary>The aligned dataset of the synthetic session, checked against matches computed by brute force from the synthetic timeline.</summary>
public sealed class DatasetExporterTests : IDisposable
{
    private const long CamPeriod = 33_333_333, HalfPeriod = CamPeriod / 2;
    private readonly SyntheticSessionFolder _session = new();
    private readonly string _out = Path.Combine(Path.GetTempPath(), $"edgerig-dataset-test-{Guid.NewGuid():N}");

    public void Dispose()
    {
        _session.Dispose();
        foreach (var dir in new[] { _out, _out + "-2" })
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    private Task<DatasetResult> ExportAsync(DatasetOptions? options = null, string? folder = null) =>
        DatasetExporter.ExportAsync(new PulledFolderSessionSource(_session.Folder), folder ?? _out, options);

    private string Frames => Path.Combine(_out, "frames.parquet");

    private static long[] Times(string stream) => Enumerable.Range(0, Plan[stream].Count).Select(i => RigNs(stream, i)).ToArray();

    [Fact]
    public async Task Export_Synthetic_OneRowPerReferenceSampleWithNearestMatchesAndTheirDt()
    {
        var result = await ExportAsync();

        Assert.True(result.Complete);
        Assert.Equal(("cam0", HalfPeriod), (result.Reference, result.Tolerance.Nanoseconds));
        var cam = Times("cam0");
        Assert.Equal(cam, await ParquetColumns.ReadAsync<long>(Frames, "time_ns"));
        Assert.Equal(cam.Select(t => t - HalfPeriod), await ParquetColumns.ReadAsync<long>(Frames, "window_start_ns"));
        var lidar = Times("lidar0");
        var dt = await ParquetColumns.ReadNullableAsync<long>(Frames, "lidar0_dt_ns");
        var ok = await ParquetColumns.ReadAsync<bool>(Frames, "lidar0_in_tolerance");
        var seq = await ParquetColumns.ReadNullableAsync<long>(Frames, "lidar0_seq");
        for (int i = 0; i < cam.Length; i++)
        {
            int nearest = Enumerable.Range(0, lidar.Length).MinBy(k => Math.Abs(lidar[k] - cam[i]));
            Assert.Equal((nearest, lidar[nearest] - cam[i]), ((int)seq[i]!.Value, dt[i]!.Value));
            Assert.Equal(Math.Abs(lidar[nearest] - cam[i]) <= HalfPeriod, ok[i]);
        }
        Assert.Contains(true, ok);
        Assert.Contains(false, ok);
        Assert.Equal(ok.Count(x => x), result.MatchesInTolerance["lidar0"]);
    }

    [Fact]
    public async Task Export_Imu_RowsInWindowAndAxesInterpolatedAtFrameTime()
    {
        await ExportAsync();

        var cam = Times("cam0");
        var imu = Times("imu0");
        var first = await ParquetColumns.ReadAsync<long>(Frames, "imu0_first_row");
        var rows = await ParquetColumns.ReadAsync<int>(Frames, "imu0_rows");
        var ax = await ParquetColumns.ReadNullableAsync<float>(Frames, "imu0_ax");
        var imuTable = Path.Combine(_out, "streams", "imu0.parquet");
        var rawAx = await ParquetColumns.ReadAsync<float>(imuTable, "ax");
        var rawTime = await ParquetColumns.ReadAsync<long>(imuTable, "time_ns");
        for (int i = 0; i < cam.Length; i++)
        {
            long from = cam[i] - HalfPeriod, to = from + CamPeriod;
            var inWindow = Enumerable.Range(0, imu.Length).Where(k => imu[k] >= from && imu[k] < to).ToList();
            Assert.Equal((inWindow[0], inWindow.Count), ((int)first[i], rows[i]));
            Assert.All(rawTime.Skip((int)first[i]).Take(rows[i]), t => Assert.InRange(t, from, to - 1));
            // the synthetic ax is 0.1 per sample, i.e. linear in time: interpolation gives it exactly at the frame time
            double expected = 0.1 * (cam[i] - imu[0]) / Plan["imu0"].PeriodNs;
            Assert.Equal(expected, ax[i]!.Value, 3);
        }
        Assert.Equal(Enumerable.Range(0, imu.Length).Select(k => 0.1f * k), rawAx);
    }

    [Fact]
    public async Task Export_Audio_WindowHoldsExactlyTheFramesWhoseTimesFallInIt()
    {
        await ExportAsync();

        var cam = Times("cam0");
        var windows = Path.Combine(_out, "windows", "mic0.parquet");
        var pcm = await ParquetColumns.ReadBytesAsync(windows, "pcm");
        var frames = await ParquetColumns.ReadAsync<int>(windows, "frames");
        var ok = await ParquetColumns.ReadAsync<bool>(Frames, "mic0_in_tolerance");
        var mic = Times("mic0");
        for (int i = 0; i < cam.Length; i++)
        {
            long from = cam[i] - HalfPeriod, to = from + CamPeriod;
            var expected = new List<byte>();
            for (int b = 0; b < mic.Length; b++)
                for (int f = 0; f < MicFrames; f++)
                    if (mic[b] + (long)Math.Round(f * 1e9 / 48000) is var t && t >= from && t < to)
                        expected.AddRange(Enumerable.Range(f * 4, 4).Select(x => (byte)(x + b)));
            Assert.Equal(expected, pcm[i]);
            Assert.Equal(expected.Count / 4, frames[i]);
            Assert.Equal(Math.Abs(expected.Count / 4 - 1600) <= 1, ok[i]);
        }
        Assert.Equal(1600, frames[15]);
        Assert.False(ok[0]); // the first window starts before the audio does
    }

    [Fact]
    public async Task Export_Gpio_EdgesInWindowWithNullWhereNone()
    {
        await ExportAsync();

        var cam = Times("cam0");
        var button = Times("button0");
        var edges = await ParquetColumns.ReadAsync<int>(Frames, "button0_edges");
        var dt = await ParquetColumns.ReadNullableAsync<long>(Frames, "button0_dt_ns");
        for (int i = 0; i < cam.Length; i++)
        {
            var inWindow = button.Where(t => t >= cam[i] - HalfPeriod && t < cam[i] - HalfPeriod + CamPeriod).ToList();
            Assert.Equal(inWindow.Count, edges[i]);
            Assert.Equal(inWindow.Count == 0 ? null : inWindow.Select(t => t - cam[i]).MinBy(Math.Abs), dt[i]);
        }
        Assert.Equal(3, edges.Sum());
    }

    [Fact]
    public async Task Export_Tolerance_FlagsFollowIt()
    {
        var tight = await ExportAsync(new DatasetOptions { Tolerance = Duration.FromMilliseconds(2) });
        var dt = await ParquetColumns.ReadNullableAsync<long>(Frames, "lidar0_dt_ns");
        var ok = await ParquetColumns.ReadAsync<bool>(Frames, "lidar0_in_tolerance");
        Assert.Equal(dt.Select(d => Math.Abs(d!.Value) <= 2_000_000), ok);
        var loose = await ExportAsync(new DatasetOptions { Tolerance = Duration.FromMilliseconds(60) });
        Assert.True(tight.MatchesInTolerance["lidar0"] < loose.MatchesInTolerance["lidar0"]);
        Assert.Equal(dt.Count(d => Math.Abs(d!.Value) <= 60_000_000), loose.MatchesInTolerance["lidar0"]);
        Assert.Equal(60_000_000, DatasetMetadata.Load(_out).ToleranceNs);
    }

    [Fact]
    public async Task Export_MultiRate_EveryStreamKeepsEverySampleInItsOwnTable()
    {
        var result = await ExportAsync();

        foreach (var (stream, (count, _, _)) in Plan)
        {
            string table = Path.Combine(_out, "streams", stream + ".parquet");
            Assert.Equal(count, await ParquetColumns.RowsAsync(table));
            Assert.Equal(Times(stream), await ParquetColumns.ReadAsync<long>(table, "rig_ns"));
            Assert.Equal(count, result.Rows[$"streams/{stream}.parquet"]);
        }
        Assert.Equal(10 * LidarPoints, await ParquetColumns.RowsAsync(Path.Combine(_out, "streams", "lidar0_points.parquet")));
        Assert.Equal(1.5f + 3 + 9, (await ParquetColumns.ReadAsync<float>(Path.Combine(_out, "streams", "lidar0_points.parquet"), "range_m"))[9 * LidarPoints + 3]);
        var images = await ParquetColumns.ReadStringsAsync(Path.Combine(_out, "streams", "cam0.parquet"), "image");
        Assert.Equal(30, images.Length);
        var frame7 = _session.Manifest.Streams.Single(s => s.Id == "cam0");
        Assert.Equal(new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 7, 0xFF, 0xD9 }, File.ReadAllBytes(Path.Combine(_out, images[7]!)));
        Assert.Equal("images/cam0/00000007.jpg", images[7]);
        Assert.Equal(Encodings.Jpeg, frame7.Encoding);
        var metadata = DatasetMetadata.Load(_out);
        Assert.Equal(["button0", "cam0", "imu0", "lidar0", "mic0"], metadata.Streams.Select(s => s.Id));
        Assert.Equal(400, metadata.Streams.Single(s => s.Id == "imu0").Exported);
        Assert.False(metadata.Calibration.Applied);
        Assert.Contains("m/s^2", metadata.Tables.Single(t => t.Path == "streams/imu0.parquet").Columns.Single(c => c.Name == "ax").Unit);
    }

    [Fact]
    public async Task Export_Metadata_ColumnTypesAreTheFilesParquetArrowTypes()
    {
        await ExportAsync();

        var metadata = DatasetMetadata.Load(_out);
        Assert.NotEmpty(metadata.Tables);
        foreach (var table in metadata.Tables)
        {
            var inFile = await ParquetColumns.FileTypesAsync(Path.Combine(_out, table.Path));
            Assert.Equal(inFile.Keys.Order(StringComparer.Ordinal), table.Columns.Select(c => c.Name).Order(StringComparer.Ordinal));
            foreach (var c in table.Columns)
                Assert.True(inFile[c.Name] == (c.Type, c.Nullable), $"{table.Path} {c.Name}: metadata says {c.Type}{(c.Nullable ? "?" : "")}, the file {inFile[c.Name]}");
        }
        var columns = metadata.Tables.SelectMany(t => t.Columns.Select(c => (Table: t.Path, c.Name, c.Type))).ToList();
        Assert.Contains(("streams/cam0.parquet", "image", "string"), columns);   // a path inside the dataset, not bytes
        Assert.Contains(("frames.parquet", "image", "string"), columns);
        Assert.Contains(columns, c => c.Type == "binary");                      // the audio windows' PCM
        Assert.Contains(("streams/lidar0_points.parquet", "range_m", "float32"), columns);
        Assert.Subset(new HashSet<string> { "int32", "int64", "float32", "float64", "bool", "string", "binary" }, columns.Select(c => c.Type).ToHashSet());
    }

    [Fact]
    public async Task Export_Twice_SameBytes()
    {
        var a = await ExportAsync();
        var b = await ExportAsync(folder: _out + "-2");
        Assert.Equal(a.Sha256, b.Sha256);
        Assert.Equal(a.Bytes, b.Bytes);
        Assert.Equal(File.ReadAllBytes(Frames), File.ReadAllBytes(Path.Combine(_out + "-2", "frames.parquet")));
        var again = await ExportAsync(); // replaces the earlier dataset in place
        Assert.Equal(a.Sha256, again.Sha256);
    }

    [Fact]
    public async Task Export_MissingAndCorruptChunks_ExportsTheRestNamesExactlyThoseAndSaysIncomplete()
    {
        File.Delete(_session.ChunkPath("imu0", 1));
        byte[] cam = File.ReadAllBytes(_session.ChunkPath("cam0", 2));
        cam[^1] ^= 0x40;
        File.WriteAllBytes(_session.ChunkPath("cam0", 2), cam);

        var result = await ExportAsync();

        Assert.False(result.Complete);
        Assert.Equal([("cam0", 2, ChunkProblemKind.Corrupt), ("imu0", 1, ChunkProblemKind.Missing)], result.Problems.Select(p => (p.Stream, p.Index, p.Kind)));
        Assert.Equal(30 - 7, await ParquetColumns.RowsAsync(Frames));
        Assert.Equal(400 - 128, await ParquetColumns.RowsAsync(Path.Combine(_out, "streams", "imu0.parquet")));
        Assert.Equal(23, Directory.GetFiles(Path.Combine(_out, "images", "cam0")).Length);
        var metadata = DatasetMetadata.Load(_out);
        Assert.False(metadata.Complete);
        Assert.Equal([("cam0", 2, "corrupt"), ("imu0", 1, "missing")], metadata.MissingOrCorruptChunks.Select(p => (p.Stream, p.Index, p.Kind)));
        // frames whose time falls in the IMU gap (samples 128-255) cannot be interpolated within tolerance
        var time = await ParquetColumns.ReadAsync<long>(Frames, "time_ns");
        var ok = await ParquetColumns.ReadAsync<bool>(Frames, "imu0_in_tolerance");
        long gapFrom = RigNs("imu0", 127), gapTo = RigNs("imu0", 256);
        for (int i = 0; i < time.Length; i++)
            Assert.Equal(time[i] - gapFrom > HalfPeriod && gapTo - time[i] > HalfPeriod ? false : ok[i], ok[i]);
        Assert.Contains(false, ok);
        Assert.False(Directory.Exists(_out + ".part"));
    }

    [Fact]
    public async Task Export_BadReferenceOrForeignFolder_ArgumentExceptionNamingIt()
    {
        var unknown = await Assert.ThrowsAsync<ArgumentException>(() => ExportAsync(new DatasetOptions { Reference = "cam9" }));
        Assert.Contains("cam9", unknown.Message);
        var noCamera = await Assert.ThrowsAsync<ArgumentException>(() => ExportAsync(new DatasetOptions { Streams = ["imu0", "mic0"] }));
        Assert.Contains("no camera", noCamera.Message);
        Directory.CreateDirectory(_out);
        File.WriteAllText(Path.Combine(_out, "thesis.txt"), "precious");
        var foreign = await Assert.ThrowsAsync<ArgumentException>(() => ExportAsync());
        Assert.Contains("not an EdgeRig dataset", foreign.Message);
        Assert.True(File.Exists(Path.Combine(_out, "thesis.txt")));
    }

    [Fact]
    public async Task Export_LidarAsReferenceWithCalibration_AlignsOnCorrectedTimes()
    {
        var calibration = new DatasetCalibration("test", new Dictionary<string, Duration> { ["lidar0"] = Duration.FromMilliseconds(1) });
        await ExportAsync(new DatasetOptions { Reference = "lidar0", Calibration = calibration });

        Assert.Equal(10, await ParquetColumns.RowsAsync(Frames));
        var lidarTime = await ParquetColumns.ReadAsync<long>(Frames, "time_ns");
        Assert.Equal(Times("lidar0").Select(t => t - 1_000_000), lidarTime);
        // lidar0 starts at +1 ms and camera at +4 ms; after removing 1 ms, scan k sits 4 ms before camera frame 3k
        Assert.Equal(Enumerable.Range(0, 10).Select(k => (long?)(4_000_000 + 3 * k * CamPeriod - 100_000_000L * k)),
            await ParquetColumns.ReadNullableAsync<long>(Frames, "cam0_dt_ns"));
        var metadata = DatasetMetadata.Load(_out);
        Assert.True(metadata.Calibration.Applied);
        Assert.Equal(1_000_000, metadata.Calibration.FixedLatencyNs["lidar0"]);
    }
}
