using EdgeRig.Privacy;
using EdgeRig.Storage;

namespace EdgeRig.Benchmarks;

/// <summary>Runs one bench by name at the given sizes; its rows go to <see cref="BenchResults"/>.</summary>
public sealed class BenchRunner(string root, string rigFile, BenchSizes sizes)
{
    /// <summary>Every bench, in the order they run.</summary>
    public static readonly string[] Known = ["slice", "store", "soak", "service-soak", "pull", "sync", "export", "drivers", "qa", "privacy", "jpeg", "upload", "calibration", "spatial"];

    /// <summary>Long benches (10, 10, 4 and 5 minutes at full size) that run only when named.</summary>
    public static readonly string[] OnlyByName = ["soak", "service-soak", "calibration", "spatial"];

    public async Task RunAsync(string bench, BenchResults results)
    {
        switch (bench)
        {
            case "slice":
                await SliceBench.RunAsync(rigFile, sizes.SliceSeconds, sizes.SliceBaselineSeconds, sizes.SliceStarts, results);
                break;
            case "store":
                StoreBench.Run(d => new LiteDbSessionStore(d, new() { Layout = ChunkPayloadLayout.Embedded, FreeSpaceReserveBytes = 0 }), "embedded", sizes.StoreSeconds, results, sizes.StoreSmallSamples);
                StoreBench.Run(d => new LiteDbSessionStore(d, new() { Layout = ChunkPayloadLayout.Segments, FreeSpaceReserveBytes = 0 }), "segments", sizes.StoreSeconds, results, sizes.StoreSmallSamples);
                // #9: the same ingest with AES-256-GCM per chunk (ratio against raw disk writes measured in the same run, like the plain rows)
                StoreBench.Run(d => new LiteDbSessionStore(d, new()
                {
                    Layout = ChunkPayloadLayout.Segments, FreeSpaceReserveBytes = 0, EncryptNewSessions = true,
                    Cipher = new KeyRingChunkCipher(KeyRing.Open(Path.Combine(d, "keys", "data.keys"), createIfMissing: true)),
                }), "segments+aes", sizes.StoreSeconds, results, sizes.StoreSmallSamples);
                break;
            case "soak":
                await SoakBench.RunAsync(rigFile, sizes.SoakMinutes, results);
                break;
            case "service-soak":
                // the real service process: an idle baseline, then recording in segments, each pulled and deleted
                double phase = Math.Min(60, sizes.ServiceSoakMinutes * 60 / 3);
                await ServiceSoakBench.RunAsync(root, rigFile, new ServiceSoakBench.Options(sizes.ServiceSoakMinutes, Math.Min(30, phase), phase, 2, Dashboard: false) { ServiceDir = sizes.ServiceDir }, results);
                break;
            case "pull":
                await PullBench.RunAsync(rigFile, sizes.PullMiB, results);
                break;
            case "sync":
                SyncBench.Run(sizes.SyncSeconds, results);
                break;
            case "export":
                ExportBench.Run(root, sizes.ExportSeconds, results);
                break;
            case "drivers":
                await DriversBench.RunAsync(sizes.DriversSeconds, results);
                break;
            case "qa":
                QaBench.Run(sizes.QaSeconds, results);
                break;
            case "privacy":
                PrivacyBench.Run(sizes.PrivacySeconds, results, sizes.PrivacyRuns);
                MovingFaceBench.Run(sizes.MovingFaceFrames, results);
                break;
            case "jpeg":
                JpegBench.Run(sizes.JpegSeconds, results, sizes.JpegRuns);
                break;
            case "upload":
                await UploadBench.RunAsync(root, rigFile, sizes.UploadMiB, sizes.UploadRuns, results);
                break;
            case "calibration":
                await CalibrationBench.RunAsync(root, sizes.CalibrationSeeds, results, sizes.CalibrationStimuli, sizes.CalibrationMotionSeconds);
                break;
            case "spatial":
                SpatialBench.Run(root, sizes.SpatialSeeds, results);
                break;
            default:
                throw new ArgumentException($"unknown benchmark '{bench}' (known: {string.Join(", ", Known)})", nameof(bench));
        }
    }
}
