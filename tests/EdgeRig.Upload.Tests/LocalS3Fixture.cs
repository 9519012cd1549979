using System.Diagnostics;
using System.Globalization;

namespace EdgeRig.Upload.Tests;

/// <summary>
/// A real S3 endpoint for a test collection: scripts/s3-local starts a single-node Ceph (mon, memstore OSD, radosgw) in a
/// temp dir once, and stops exactly its processes at the end. The script also stops it if this test process dies
/// (S3_LOCAL_OWNER_PID). Without Ceph installed the tests fail, naming scripts/setup --test: they never pass by skipping.
/// </summary>
public sealed class LocalS3Fixture : IAsyncLifetime
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), $"edgerig-s3-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
    private int buckets;

    public Uri Endpoint { get; private set; } = null!;

    /// <summary>The AWS shared-credentials file the script wrote (mode 0600).</summary>
    public string CredentialsFile => Path.Combine(dir, "credentials");

    public S3Credentials Credentials { get; private set; } = null!;

    /// <summary>How long the script took until radosgw answered.</summary>
    public TimeSpan StartTime { get; private set; }

    public async Task InitializeAsync()
    {
        var watch = Stopwatch.StartNew();
        var run = await RunScriptAsync("start", TimeSpan.FromMinutes(2));
        StartTime = watch.Elapsed;
        if (run.ExitCode != 0) throw new InvalidOperationException($"scripts/s3-local start failed ({run.ExitCode}): {run.Stderr.Trim()}");
        Endpoint = new Uri(File.ReadAllText(Path.Combine(dir, "endpoint")).Trim());
        Credentials = S3CredentialsFile.Read(CredentialsFile);
    }

    public async Task DisposeAsync()
    {
        if (Directory.Exists(dir)) await RunScriptAsync("stop", TimeSpan.FromSeconds(30));
    }

    /// <summary>Options for a fresh bucket of its own (created here), so tests never see each other's objects.</summary>
    public async Task<UploadOptions> NewBucketAsync(string rig = "rig-a")
    {
        string bucket = "t" + Interlocked.Increment(ref buckets).ToString(CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8];
        var options = new UploadOptions { Endpoint = Endpoint, Bucket = bucket, Prefix = "lab", Rig = rig, SoftwareVersion = "test-1.0" };
        using var target = new S3UploadTarget(options, Credentials);
        await target.Client.PutBucketAsync(bucket);
        return options;
    }

    /// <summary>An outage: radosgw stops (the cluster keeps its objects) until <see cref="StartGatewayAsync"/>.</summary>
    public async Task StopGatewayAsync()
    {
        var run = await RunScriptAsync("rgw-stop", TimeSpan.FromSeconds(30));
        if (run.ExitCode != 0) throw new InvalidOperationException($"scripts/s3-local rgw-stop failed ({run.ExitCode}): {run.Stderr.Trim()}");
    }

    /// <summary>radosgw back on the same port; returns when S3 answers.</summary>
    public async Task StartGatewayAsync()
    {
        var run = await RunScriptAsync("rgw-start", TimeSpan.FromMinutes(2));
        if (run.ExitCode != 0) throw new InvalidOperationException($"scripts/s3-local rgw-start failed ({run.ExitCode}): {run.Stderr.Trim()}");
    }

    /// <summary>The environment the independent Node client needs (the same keys, from the same file).</summary>
    public Dictionary<string, string> NodeEnvironment() => new()
    {
        ["AWS_ACCESS_KEY_ID"] = Credentials.AccessKeyId,
        ["AWS_SECRET_ACCESS_KEY"] = Credentials.SecretAccessKey,
        ["AWS_REGION"] = "us-east-1",
    };

    private async Task<(int ExitCode, string Stderr)> RunScriptAsync(string verb, TimeSpan limit)
    {
        var psi = new ProcessStartInfo(Path.Combine(RepoPaths.Root, "scripts", "s3-local"))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.ArgumentList.Add(verb);
        psi.ArgumentList.Add(dir);
        psi.Environment["S3_LOCAL_OWNER_PID"] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        psi.Environment["S3_LOCAL_MEMSTORE_MIB"] = "512";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(limit);
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"scripts/s3-local {verb} ran longer than {limit}");
        }
        await stdout;
        return (p.ExitCode, await stderr);
    }
}

/// <summary>The tests that share one local Ceph.</summary>
[CollectionDefinition(Name)]
public sealed class LocalS3Collection : ICollectionFixture<LocalS3Fixture>
{
    public const string Name = "local S3 (Ceph radosgw)";
}
