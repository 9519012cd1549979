using EdgeRig.Service;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeRig.IntegrationTests;

/// <summary>The real service (Kestrel on a free loopback port, the simulated default rig, a LiteDB store in a temp dir).</summary>
public sealed class RigServiceFixture : IAsyncLifetime
{
    public string DataDir { get; } = Paths.TempDir("svc");
    public WebApplication App { get; private set; } = null!;
    public string Url { get; private set; } = "";
    public GrpcChannel Channel { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = EdgeRigHost.Build(["--urls", "http://127.0.0.1:0", "--data-dir", DataDir, "--rig", Paths.QuietButtonRig(DataDir), "--Logging:LogLevel:Default=Warning"]);
        await App.StartAsync();
        Url = App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        Channel = Paths.AuthedChannel(Url, DataDir);
        await WaitForSyncAsync(Channel);
    }

    /// <summary>
    /// Waits (at most 10 s) until every periodic stream is live with a settled clock mapping: a session recorded in the first
    /// half second after boot honestly carries 50 ms bounds, which QA fails, and tests that are not about QA would race it.
    /// </summary>
    public static async Task WaitForSyncAsync(GrpcChannel channel)
    {
        var client = new Api.V1.Rig.RigClient(channel);
        var until = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < until)
        {
            var status = await client.GetStatusAsync(new Api.V1.GetStatusRequest());
            if (status.Streams.Where(s => s.Stream.NominalRateHz > 0).All(s => s.Live && s.ErrorBoundNs > 0 && s.ErrorBoundNs < 5_000_000)) return;
            await Task.Delay(100);
        }
    }

    public async Task DisposeAsync()
    {
        Channel.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        Directory.Delete(DataDir, recursive: true);
        File.Delete(Paths.QuietButtonRig(DataDir, write: false));
    }
}

internal static class Paths
{
    public static string RepoRoot
    {
        get
        {
            // above the test binaries, else above this source file (binaries built with --artifacts-path live outside the tree)
            foreach (string start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(SourceFile())! })
            {
                var d = new DirectoryInfo(start);
                while (d is not null && !File.Exists(Path.Combine(d.FullName, "EdgeRig.sln"))) d = d.Parent;
                if (d is not null) return d.FullName;
            }
            throw new InvalidOperationException("EdgeRig.sln not found above the test binaries");
        }
    }

    private static string SourceFile([System.Runtime.CompilerServices.CallerFilePath] string path = "") => path;

    public static string Configuration => AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";

    public static string Rig(string name) => Path.Combine(RepoRoot, "hardware", "rigs", name);

    /// <summary>
    /// The default rig, but its simulated marker button is never pressed at random (a press adds a marker, and while
    /// armed it triggers a session, which would race a test's own actions). Written beside the data dir.
    /// </summary>
    public static string QuietButtonRig(string dataDir, bool write = true)
    {
        string file = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(dataDir))!, Path.GetFileName(dataDir) + "-rig.json");
        if (write)
            File.WriteAllText(file, File.ReadAllText(Rig("sim-default.json")).Replace("\"meanIntervalSeconds\": 20", "\"meanIntervalSeconds\": 1000000"));
        return file;
    }

    public static string ServiceDll => Path.Combine(RepoRoot, "src", "EdgeRig.Service", "bin", Configuration, "net10.0", "edgerig-service.dll");

    public static string CliDll => Path.Combine(RepoRoot, "src", "EdgeRig.Cli", "bin", Configuration, "net10.0", "edgerig.dll");

    /// <summary>A channel that sends the rig's first admin token (DATA/admin.token), read at each call since the rig writes it on start.</summary>
    public static GrpcChannel AuthedChannel(string url, string dataDir) => GrpcChannel.ForAddress(url, new GrpcChannelOptions
    {
        Credentials = Grpc.Core.ChannelCredentials.Create(Grpc.Core.ChannelCredentials.Insecure, Grpc.Core.CallCredentials.FromInterceptor((_, metadata) =>
        {
            string file = AdminTokenFile(dataDir);
            if (File.Exists(file)) metadata.Add("authorization", "Bearer " + File.ReadAllText(file).Trim());
            return Task.CompletedTask;
        })),
        UnsafeUseInsecureChannelCallCredentials = true,
    });

    public static string AdminTokenFile(string dataDir) => Path.Combine(dataDir, "admin.token");

    /// <summary>Environment for a CLI process talking to the rig with the admin token.</summary>
    public static Dictionary<string, string> CliEnv(string url, string dataDir) =>
        new() { ["EDGERIG_URL"] = url, ["EDGERIG_TOKEN_FILE"] = AdminTokenFile(dataDir), ["EDGERIG_CONFIG"] = Path.Combine(dataDir, "no-login.json") };

    public static string TempDir(string tag)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"edgerig-it-{tag}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }
}
