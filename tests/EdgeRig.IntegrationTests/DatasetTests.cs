using System.Buffers.Binary;
using System.Text.Json;
using EdgeRig.Api.V1;
using EdgeRig.Cli;
using EdgeRig.Core;
using EdgeRig.Devices.Simulation;
using EdgeRig.Devices.Camera;
using EdgeRig.Export.Dataset;
using EdgeRig.Export.SessionMcap;
using EdgeRig.Service;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using OpenCvSharp;
using Parquet;
using Xunit.Abstractions;

namespace EdgeRig.IntegrationTests;

/// <summary>
/// The aligned dataset against the simulated world's ground truth: a service whose world fires an event every ~1.5 s records a
/// session, the CLI exports it (pulling it first), and the flash frame's row must carry the click and the bump within tolerance.
/// </summary>
public sealed class DatasetTests(ITestOutputHelper output, RigServiceFixture rig) : IClassFixture<RigServiceFixture>
{

    [Fact]
    public async Task Dataset_FlashFrameRow_CarriesClickAndBumpWithinTolerance()
    {
        string dir = Paths.TempDir("dataset");
        string rigFile = Path.Combine(dir, "rig.json");
        File.WriteAllText(rigFile, File.ReadAllText(Paths.Rig("sim-default.json")).Replace("\"eventIntervalSeconds\": 5", "\"eventIntervalSeconds\": 1.5"));
        var app = EdgeRigHost.Build(["--urls", "http://127.0.0.1:0", "--data-dir", Path.Combine(dir, "data"), "--rig", rigFile, "--Logging:LogLevel:Default=Warning"]);
        await app.StartAsync();
        try
        {
            string url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            using var channel = Paths.AuthedChannel(url, Path.Combine(dir, "data"));
            var rig = new Rig.RigClient(channel);
            await Task.Delay(1500); // let the clock mappers see a second of samples before recording
            await rig.StartRecordingAsync(new StartRecordingRequest { Name = "ground-truth", Operator = "ana" });
            await Task.Delay(TimeSpan.FromSeconds(7));
            var session = await rig.StopRecordingAsync(new StopRecordingRequest());

            // the CLI pulls the session into a temp folder and exports it uncalibrated
            string cliOut = Path.Combine(dir, "cli-dataset");
            var cli = await ProcessRunner.RunAsync("dotnet", [Paths.CliDll, "export", session.Id, "--format", "dataset", "--out", cliOut, "--json", "--url", url],
                TimeSpan.FromSeconds(180), Paths.CliEnv(url, Path.Combine(dir, "data")));
            Assert.True(cli.ExitCode == 0, cli.Stderr);
            using (var summary = JsonDocument.Parse(cli.Stdout))
            {
                Assert.True(summary.RootElement.GetProperty("complete").GetBoolean());
                Assert.Equal("cam0", summary.RootElement.GetProperty("reference").GetString());
                Assert.Equal(session.Counts["cam0"].Recorded, summary.RootElement.GetProperty("rows").GetProperty("frames.parquet").GetInt64());
            }

            // calibrated with the rig file's fixed latencies (camera: exposure + link), the stand-in until calibration profiles exist
            var pulled = await new SessionPuller(new Sessions.SessionsClient(channel)).PullAsync(session.Id, Path.Combine(dir, "pulled"), null, CancellationToken.None);
            var profile = RigProfile.Load(rigFile);
            var latency = profile.Devices.Where(d => d.Kind != "gpio-output").ToDictionary(d => d.StreamName, // outputs (trigger0) record no stream
                d => Duration.FromMilliseconds(d.Clock.LatencyMs) + (d.Kind == "camera" ? SimulatedCamera.Exposure : Duration.Zero));
            string calibrated = Path.Combine(dir, "dataset");
            var result = await DatasetExporter.ExportAsync(new PulledFolderSessionSource(pulled.Folder), calibrated,
                new DatasetOptions { Calibration = new DatasetCalibration($"rig file {Path.GetFileName(rigFile)}: clock.latencyMs (+ exposure for cameras)", latency) });
            Assert.True(result.Complete);

            var truth = GroundTruthLog.Read(Path.Combine(dir, "data"))
                .Where(e => e.RigNs > session.StartNs + 200_000_000 && e.RigNs < session.StopNs - 200_000_000).ToList();
            Assert.True(truth.Count >= 2, $"{truth.Count} events inside the session");
            int checkedEvents = await CheckFlashRowsAsync(calibrated, truth, result.Tolerance.Nanoseconds, "calibrated");
            Assert.True(checkedEvents >= 2, $"only {checkedEvents} of {truth.Count} events had a clearly lit frame");
            await CheckFlashRowsAsync(cliOut, truth, result.Tolerance.Nanoseconds, "uncalibrated (report only)", assert: false);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task DatasetFromFolder_MissingChunk_ExitsFiveNamingItAndMetadataSaysIncomplete()
    {
        var rigClient = new Rig.RigClient(rig.Channel);
        await rigClient.StartRecordingAsync(new StartRecordingRequest { Name = "dataset-partial" });
        await Task.Delay(1500);
        var session = await rigClient.StopRecordingAsync(new StopRecordingRequest());
        string dir = Paths.TempDir("dataset-partial");
        try
        {
            var pulled = await new SessionPuller(new Sessions.SessionsClient(rig.Channel)).PullAsync(session.Id, dir, null, CancellationToken.None);
            var victim = new EdgeRig.Formats.PulledSessionFolder(pulled.Folder).Manifest.Chunks.First(c => c.Stream == "mic0");
            File.Delete(Path.Combine(pulled.Folder, victim.File));
            string outDir = Path.Combine(dir, "dataset");
            string[] args = [Paths.CliDll, "export", "--from-folder", pulled.Folder, "--format", "dataset", "--out", outDir, "--tolerance-ms", "5", "--json"];

            var strict = await ProcessRunner.RunAsync("dotnet", args, TimeSpan.FromSeconds(120));
            Assert.Equal(5, strict.ExitCode);
            Assert.Contains($"mic0/{victim.Index} missing", strict.Stderr);
            using var summary = JsonDocument.Parse(strict.Stdout);
            Assert.False(summary.RootElement.GetProperty("complete").GetBoolean());
            Assert.Equal(5, summary.RootElement.GetProperty("toleranceMs").GetDouble());
            var metadata = DatasetMetadata.Load(outDir);
            Assert.False(metadata.Complete);
            Assert.Equal(("mic0", victim.Index, "missing"), (metadata.MissingOrCorruptChunks.Single().Stream, metadata.MissingOrCorruptChunks.Single().Index,
                metadata.MissingOrCorruptChunks.Single().Kind));
            Assert.Equal(session.Counts["mic0"].Recorded - victim.Count, metadata.Streams.Single(s => s.Id == "mic0").Exported);

            var allowed = await ProcessRunner.RunAsync("dotnet", [.. args, "--allow-partial"], TimeSpan.FromSeconds(120));
            Assert.True(allowed.ExitCode == 0, allowed.Stderr);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>For each event with a clearly lit frame (flash over at least ~40 % of the exposure), checks that frame's row; returns how many were checked.</summary>
    private async Task<int> CheckFlashRowsAsync(string dataset, List<GroundTruthLog.Entry> truth, long toleranceNs, string label, bool assert = true)
    {
        string frames = Path.Combine(dataset, "frames.parquet");
        var time = await ReadAsync<long>(frames, "time_ns");
        var images = await ReadAsync<string?>(frames, "image");
        var imuFirst = await ReadAsync<long>(frames, "imu0_first_row");
        var imuRows = await ReadAsync<int>(frames, "imu0_rows");
        var windowStart = await ReadAsync<long>(frames, "window_start_ns");
        string windows = Path.Combine(dataset, "windows", "mic0.parquet");
        var pcm = await ReadAsync<byte[]?>(windows, "pcm");
        var firstFrame = await ReadAsync<long?>(windows, "first_frame_ns");
        string imu = Path.Combine(dataset, "streams", "imu0.parquet");
        var ax = await ReadAsync<float>(imu, "ax");
        var imuTime = await ReadAsync<long>(imu, "time_ns");
        int checkedEvents = 0;
        foreach (var e in truth)
        {
            var near = Enumerable.Range(0, time.Length).Where(i => Math.Abs(time[i] - e.RigNs) < 150_000_000).ToList();
            var brightness = near.ToDictionary(i => i, i => Brightness(Path.Combine(dataset, images[i]!)));
            double baseline = brightness.Values.Order().ElementAt(brightness.Count / 2);
            int flash = brightness.MaxBy(kv => kv.Value).Key;
            if (brightness[flash] < baseline + 80) { output.WriteLine($"{label}: event {e.Number}: no clearly lit frame ({brightness[flash]:0} vs {baseline:0})"); continue; }
            checkedEvents++;

            var (peak, peakAt) = PeakS16(pcm[flash]!, channels: 2);
            long clickNs = firstFrame[flash] is { } f ? f + (long)Math.Round(peakAt * 1e9 / 48000) : 0;
            var rows = Enumerable.Range((int)imuFirst[flash], imuRows[flash]).ToList();
            int bumpRow = rows.Count == 0 ? -1 : rows.MaxBy(r => ax[r]);
            float bump = bumpRow < 0 ? 0 : ax[bumpRow];
            output.WriteLine($"{label}: event {e.Number}: frame {flash} (+{brightness[flash] - baseline:0}), frame - truth {(time[flash] - e.RigNs) / 1e6:0.0} ms; " +
                $"audio peak {peak} at {(clickNs - time[flash]) / 1e6:0.0} ms; imu ax peak {bump:0.0} at {(bumpRow < 0 ? 0 : imuTime[bumpRow] - time[flash]) / 1e6:0.0} ms");
            if (!assert) continue;
            Assert.True(peak > 8000, $"event {e.Number}: audio window of frame {flash} (from {windowStart[flash]}) peaks at {peak}");
            Assert.True(bump > 10, $"event {e.Number}: IMU rows of frame {flash} peak at ax {bump}");
            Assert.InRange(clickNs - time[flash], -toleranceNs, toleranceNs);
            Assert.InRange(imuTime[bumpRow] - time[flash], -toleranceNs, toleranceNs);
        }
        return checkedEvents;
    }

    private static double Brightness(string jpeg)
    {
        using var image = Cv2.ImRead(jpeg, ImreadModes.Grayscale);
        return Cv2.Mean(image).Val0;
    }

    private static (int Peak, int Frame) PeakS16(byte[] pcm, int channels)
    {
        (int peak, int frame) = (0, 0);
        for (int i = 0; i + 1 < pcm.Length; i += 2)
        {
            int v = Math.Abs((int)BinaryPrimitives.ReadInt16LittleEndian(pcm.AsSpan(i)));
            if (v > peak) (peak, frame) = (v, i / 2 / channels);
        }
        return (peak, frame);
    }

    internal static async Task<T[]> ReadAsync<T>(string file, string column)
    {
        await using var reader = await ParquetReader.CreateAsync(file);
        var field = reader.Schema.GetDataFields().Single(f => f.Name == column);
        var all = new List<T>();
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            int n = (int)group.RowCount;
            object values = default(T) switch
            {
                long => await Read<long>(group, field, n),
                int => await Read<int>(group, field, n),
                float => await Read<float>(group, field, n),
                _ when typeof(T) == typeof(long?) => await ReadNullable(group, field, n),
                _ when typeof(T) == typeof(string) => await ReadStrings(group, field, n),
                _ => await ReadBytes(group, field, n),
            };
            all.AddRange((T[])values);
        }
        return all.ToArray();
    }

    private static async Task<TValue[]> Read<TValue>(ParquetRowGroupReader g, Parquet.Schema.DataField f, int n) where TValue : struct
    {
        var a = new TValue[n];
        await g.ReadAsync<TValue>(f, a, null);
        return a;
    }

    private static async Task<long?[]> ReadNullable(ParquetRowGroupReader g, Parquet.Schema.DataField f, int n)
    {
        var a = new long?[n];
        await g.ReadAsync<long>(f, a.AsMemory(), null);
        return a;
    }

    private static async Task<string?[]> ReadStrings(ParquetRowGroupReader g, Parquet.Schema.DataField f, int n)
    {
        var a = new string?[n];
        await g.ReadAsync(f, a.AsMemory(), null);
        return a;
    }

    private static async Task<byte[]?[]> ReadBytes(ParquetRowGroupReader g, Parquet.Schema.DataField f, int n)
    {
        var a = new byte[]?[n];
        await g.ReadAsync(f, a.AsMemory(), null);
        return a;
    }
}
