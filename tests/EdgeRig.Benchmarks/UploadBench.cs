using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EdgeRig.Upload;

namespace EdgeRig.Benchmarks;

/// <summary>
/// `upload`: one file (1 GiB at full size) sent to a real single-node Ceph radosgw (scripts/s3-local) by the rig's
/// uploader (hash first, multipart, Content-MD5 per part, a HEAD to verify, the manifest last) against the AWS SDK for
/// JavaScript uploading the same bytes with the same part size and parts in flight, alternating, medians. The object is
/// deleted after each run so the memstore OSD holds one copy at a time.
/// </summary>
public static class UploadBench
{
    public static async Task RunAsync(string root, int sizeMiB, int runs, BenchResults results)
    {
        string dir = Path.Combine(Path.GetTempPath(), "edgerig-uploadbench-" + Guid.NewGuid().ToString("N")[..12]);
        string s3dir = dir + "-s3";
        Directory.CreateDirectory(dir);
        // radosgw frees deleted objects only at its garbage collection (hours later): the memstore OSD must hold every run's
        // copy, ours and the SDK's, or it fills up and writes block
        await S3LocalAsync(root, "start", s3dir, memstoreMiB: Math.Max(1024, (2 * runs + 1) * sizeMiB + 512));
        try
        {
            var endpoint = new Uri(File.ReadAllText(Path.Combine(s3dir, "endpoint")).Trim());
            var credentials = S3CredentialsFile.Read(Path.Combine(s3dir, "credentials"));
            var options = new UploadOptions { Endpoint = endpoint, Bucket = "bench", Rig = "bench-rig", SoftwareVersion = "bench" };
            using var target = new S3UploadTarget(options, credentials);
            await target.Client.PutBucketAsync("bench");
            string file = Path.Combine(dir, "session.bin");
            WriteRandom(file, sizeMiB);
            long bytes = new FileInfo(file).Length;

            var ours = new List<double>();
            var node = new List<double>();
            for (int run = 0; run < runs; run++)
            {
                var watch = Stopwatch.StartNew();
                var result = await new SessionUploader(target, options).UploadAsync(
                    SessionUploadSource.FromItems($"S{run}", UploadItem.FromFile("session.bin", file)), null, CancellationToken.None);
                ours.Add(bytes / (1024.0 * 1024) / watch.Elapsed.TotalSeconds);
                if (result.ObjectsUploaded != 1) throw new InvalidOperationException($"run {run}: {result.ObjectsUploaded} objects sent, expected 1");
                await target.DeleteAsync(new ObjectLayout("", "bench-rig", $"S{run}").Key("session.bin"), CancellationToken.None);
                await target.DeleteAsync(new ObjectLayout("", "bench-rig", $"S{run}").ManifestKey, CancellationToken.None);

                node.Add(bytes / (1024.0 * 1024) / await NodeUploadAsync(root, endpoint, credentials, file, $"node/{run}.bin", options));
                await target.DeleteAsync($"node/{run}.bin", CancellationToken.None);
            }
            double oursMedian = Median(ours), nodeMedian = Median(node);
            Console.WriteLine($"upload: {sizeMiB} MiB, {runs} alternations: ours {string.Join(", ", ours.Select(v => v.ToString("0.0", CultureInfo.InvariantCulture)))} MiB/s; " +
                $"node {string.Join(", ", node.Select(v => v.ToString("0.0", CultureInfo.InvariantCulture)))} MiB/s");
            results.Add("upload", $"upload-{sizeMiB}MiB-MiB/s-vs-node-sdk", oursMedian, "MiB/s", nodeMedian);
            results.Add("upload", "node-sdk-MiB/s", nodeMedian, "MiB/s", nodeMedian);
        }
        finally
        {
            await S3LocalAsync(root, "stop", s3dir, 0);
            Directory.Delete(dir, recursive: true);
        }
    }

    private static double Median(List<double> v)
    {
        var s = v.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }

    private static void WriteRandom(string file, int sizeMiB)
    {
        var buffer = new byte[1024 * 1024];
        var random = new Random(20261206);
        using var f = File.Create(file);
        for (int i = 0; i < sizeMiB; i++)
        {
            random.NextBytes(buffer);
            f.Write(buffer);
        }
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
