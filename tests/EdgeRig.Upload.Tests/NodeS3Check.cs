using System.Diagnostics;
using System.Text.Json;

namespace EdgeRig.Upload.Tests;

/// <summary>
/// What the independent Node client (@aws-sdk/client-s3, tests/node/check-s3-session.mjs) sees under a session root:
/// every object with size, LastModified, the SHA-256 of its downloaded bytes and its metadata; the manifest; unfinished
/// multipart uploads.
/// </summary>
internal sealed record NodeS3View(IReadOnlyList<NodeS3Object> Objects, JsonElement Manifest, IReadOnlyList<NodeS3Pending> PendingMultipart)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<NodeS3View> ReadAsync(LocalS3Fixture s3, string bucket, string sessionRoot)
    {
        var psi = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { Path.Combine(RepoPaths.Root, "tests", "node", "check-s3-session.mjs"), s3.Endpoint.ToString(), bucket, sessionRoot })
            psi.ArgumentList.Add(a);
        foreach (var (k, v) in s3.NodeEnvironment()) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await p.WaitForExitAsync(cts.Token);
        if (p.ExitCode != 0) throw new InvalidOperationException($"check-s3-session.mjs failed ({p.ExitCode}): {await stderr}");
        return JsonSerializer.Deserialize<NodeS3View>(await stdout, Json)!;
    }

    public NodeS3Object Get(string key) => Objects.Single(o => o.Key == key);
}

internal sealed record NodeS3Object(string Key, long Size, long LastModified, long DownloadedBytes, string Sha256, IReadOnlyDictionary<string, string> Metadata);

internal sealed record NodeS3Pending(string Key, string UploadId);
