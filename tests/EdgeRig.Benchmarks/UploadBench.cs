using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using EdgeRig.Core;
using EdgeRig.Devices;
using EdgeRig.Devices.Simulation;
using EdgeRig.Recording;
using EdgeRig.Upload;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeRig.Benchmarks;

/// <summary>
/// `upload`: one file (1 GiB at full size) sent to a real single-node Ceph radosgw (scripts/s3-local) by the rig's
/// uploader (multipart, the object's SHA-256 proved on the one read that sends the parts, Content-MD5 per part, a HEAD to
/// verify, the manifest last) against the AWS SDK for JavaScript uploading the same bytes with the same part size and parts
/// in flight, alternating, medians. The file's SHA-256 is known from writing it, as the service knows its staged MCAP
/// export's. Then one more upload by the rig's uploader while the simulated rig records in this process, its reads gated
/// on the recorder's backlog as the service gates them: its rate, and the samples the recorder dropped meanwhile (the goal:
/// none), beside the drops of the same rig recording as long as a median upload takes, before it (what the machine drops anyway).
/// </summary>
public static class UploadBench
{
    public static async Task RunAsync(string root, string rigFile, int sizeMiB, int runs, BenchResults results)
    {
        string dir = Path.Combine(Path.GetTempPath(), "edgerig-uploadbench-" + Guid.NewGuid().ToString("N")[..12]);
        string s3dir = dir + "-s3";
        Directory.CreateDirectory(dir);
        // radosgw frees deleted objects only at its garbage collection (hours later): the memstore OSD must hold every run's
        // copy, ours and the SDK's and the one sent while recording, or it fills up and writes block
        await S3LocalAsync(root, "start", s3dir, memstoreMiB: Math.Max(1024, (2 * runs + 2) * sizeMiB + 512));
        try
        {
            var endpoint = new Uri(File.ReadAllText(Path.Combine(s3dir, "endpoint")).Trim());
            var credentials = S3CredentialsFile.Read(Path.Combine(s3dir, "credentials"));
            var options = new UploadOptions { Endpoint = endpoint, Bucket = "bench", Rig = "bench-rig", SoftwareVersion = "bench" };
            using var target = new S3UploadTarget(options, credentials);
            await target.Client.PutBucketAsync("bench");
            string file = Path.Combine(dir, "session.bin");
            var item = UploadItem.FromFile("session.bin", file, WriteRandom(file, sizeMiB));
            long bytes = new FileInfo(file).Length;

            var ours = new List<double>();
            var node = new List<double>();
            for (int run = 0; run < runs; run++)
            {
                ours.Add(await OursAsync(target, options, item, $"S{run}", bytes));
                node.Add(bytes / (1024.0 * 1024) / await NodeUploadAsync(root, endpoint, credentials, file, $"node/{run}.bin", options));
                await target.DeleteAsync($"node/{run}.bin", CancellationToken.None);
            }
            double oursMedian = Median(ours), nodeMedian = Median(node);
            Console.WriteLine($"upload: {sizeMiB} MiB, {runs} alternations: ours {Rates(ours)} MiB/s; node {Rates(node)} MiB/s");
            results.Add("upload", $"upload-{sizeMiB}MiB-MiB/s-vs-node-sdk", oursMedian, "MiB/s", nodeMedian);
            results.Add("upload", "node-sdk-MiB/s", nodeMedian, "MiB/s", nodeMedian);

            // one simulated rig, two sessions: first as long as a median upload takes without one (what this machine drops
            // anyway: a loaded machine does), then one more upload, its reads gated on the recorder's backlog as the service's are
            var alone = TimeSpan.FromSeconds(bytes / (1024.0 * 1024) / oursMedian);
            var (droppedAlone, producedAlone, whileRecording, dropped, produced) = await RecordingAsync(rigFile, Path.Combine(dir, "rig"), alone,
                recorder => OursAsync(target, options, item.GatedBy(recorder.YieldToRecordingAsync), "R", bytes));
            Console.WriteLine($"upload: while recording {whileRecording:0.0} MiB/s; the recorder dropped {dropped} of {produced} samples " +
                $"(recording alone for as long as a median upload: {droppedAlone} of {producedAlone})");
            results.Add("upload", "upload-while-recording-MiB/s", whileRecording, "MiB/s", oursMedian);
            results.Add("upload", "upload-recording-drops", dropped, "samples", 0);
            results.Add("upload", "recording-alone-drops", droppedAlone, "samples", 0);
        }
        finally
        {
            await S3LocalAsync(root, "stop", s3dir, 0);
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>One upload of the file as session <paramref name="session"/> by the rig's uploader, in MiB/s; then its objects are deleted.</summary>
    private static async Task<double> OursAsync(S3UploadTarget target, UploadOptions options, UploadItem item, string session, long bytes)
    {
        var watch = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var result = await new SessionUploader(target, options).UploadAsync(SessionUploadSource.FromItems(session, item), null, CancellationToken.None);
        double rate = bytes / (1024.0 * 1024) / watch.Elapsed.TotalSeconds;
        // CPU time is steadier than wall time on a shared machine: what the uploader costs per GiB, for comparing changes
        Console.Error.WriteLine($"upload: {session}: {rate:0.0} MiB/s, {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds / (bytes / (double)(1L << 30)):0.00} CPU-s/GiB in this process");
        if (result.ObjectsUploaded != 1) throw new InvalidOperationException($"{session}: {result.ObjectsUploaded} objects sent, expected 1");
        var layout = new ObjectLayout("", options.Rig, session);
        await target.DeleteAsync(layout.Key(item.Path), CancellationToken.None);
        await target.DeleteAsync(layout.ManifestKey, CancellationToken.None);
        return rate;
    }

    /// <summary>
    /// The rig file's simulated devices recording into a store in <paramref name="data"/>, as the service records: one session
    /// of <paramref name="alone"/>, then one while <paramref name="work"/> runs; the drops and samples of each.
    /// </summary>
    private static async Task<(long DroppedAlone, long ProducedAlone, double Result, long Dropped, long Produced)> RecordingAsync(
        string rigFile, string data, TimeSpan alone, Func<RecordingPipeline, Task<double>> work)
    {
        var rig = RigProfile.Load(rigFile);
        var clock = new EdgeRig.Timing.SystemRigClock();
        var sensors = SimulatedRig.Create(rig, new SimulatedWorld(rig.World, clock), clock);
        using var store = new EdgeRig.Storage.LiteDbSessionStore(data, new() { FreeSpaceReserveBytes = 0 });
        var recorder = new RecordingPipeline(rig, [.. sensors.SelectMany(s => s.Streams)], store, clock, TimeProvider.System,
            RecordingCollaborators.None with { Lifecycle = new QaObserverOnly(rig) }, NullLogger<RecordingPipeline>.Instance);
        try
        {
            foreach (var sensor in sensors) await sensor.StartAsync(recorder, CancellationToken.None);
            await recorder.StartAsync("recording alone", "bench", new Dictionary<string, string>());
            await Task.Delay(alone);
            var first = await recorder.StopAsync();
            await recorder.StartAsync("recording while uploading", "bench", new Dictionary<string, string>());
            double result = await work(recorder);
            var second = await recorder.StopAsync();
            return (first.Counts.Values.Sum(c => c.Dropped), first.Counts.Values.Sum(c => c.Produced), result,
                second.Counts.Values.Sum(c => c.Dropped), second.Counts.Values.Sum(c => c.Produced));
        }
        finally
        {
            foreach (var sensor in sensors) await sensor.DisposeAsync();
        }
    }

    private static string Rates(List<double> rates) => string.Join(", ", rates.Select(v => v.ToString("0.0", CultureInfo.InvariantCulture)));

    private static double Median(List<double> v)
    {
        var s = v.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }

    /// <summary>Writes <paramref name="sizeMiB"/> MiB of noise; returns their SHA-256, computed on the way as an exporter does.</summary>
    private static string WriteRandom(string file, int sizeMiB)
    {
        var buffer = new byte[1024 * 1024];
        var random = new Random(20261206);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var f = File.Create(file);
        for (int i = 0; i < sizeMiB; i++)
        {
            random.NextBytes(buffer);
            sha.AppendData(buffer);
            f.Write(buffer);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static async Task<double> NodeUploadAsync(string root, Uri endpoint, S3Credentials credentials, string file, string key, UploadOptions options)
    {
        var psi = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { Path.Combine(root, "tests", "node", "s3-upload-bench.mjs"), endpoint.ToString(), "bench", key, file,
                     options.PartSizeBytes.ToString(CultureInfo.InvariantCulture), options.PartConcurrency.ToString(CultureInfo.InvariantCulture) })
            psi.ArgumentList.Add(a);
        psi.Environment["AWS_ACCESS_KEY_ID"] = credentials.AccessKeyId;
        psi.Environment["AWS_SECRET_ACCESS_KEY"] = credentials.SecretAccessKey;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException($"s3-upload-bench.mjs failed ({p.ExitCode}): {await stderr}");
        using var doc = JsonDocument.Parse(await stdout);
        return doc.RootElement.GetProperty("seconds").GetDouble();
    }

    private static async Task S3LocalAsync(string root, string verb, string dir, int memstoreMiB)
    {
        var psi = new ProcessStartInfo(Path.Combine(root, "scripts", "s3-local")) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(verb);
        psi.ArgumentList.Add(dir);
        psi.Environment["S3_LOCAL_OWNER_PID"] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        if (memstoreMiB > 0) psi.Environment["S3_LOCAL_MEMSTORE_MIB"] = memstoreMiB.ToString(CultureInfo.InvariantCulture);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0 && verb == "start") throw new InvalidOperationException($"scripts/s3-local start failed: {await stderr}");
    }
}
