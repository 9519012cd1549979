using System.Diagnostics;
using EdgeRig.Api.V1;
using EdgeRig.Cli;
using EdgeRig.Formats;
using Grpc.Core;
using Grpc.Net.Client;
using Xunit.Abstractions;

namespace EdgeRig.IntegrationTests;

/// <summary>
/// A power cut, not kill -9: the data directory lives on a loop-mounted ext4 image; the service is frozen (SIGSTOP), the
/// image copied (the copy holds exactly what had reached the block device, not the page cache), the service killed, and a
/// new service started on the copy. Three cuts at random moments, each on the image the previous one left.
/// </summary>
public sealed class PowerCutTests(ITestOutputHelper output)
{
    /// <param name="RecordedAtCut">per stream, the samples the recorder had reported flushed (acknowledged) just before the cut.</param>
    /// <param name="LiveAtCut">the streams that were delivering samples at the cut (a starved simulation on a busy machine may not be).</param>
    /// <param name="BacklogAtCut">per stream, seconds of samples produced but not yet flushed at the cut (a busy machine's recorder
    /// may lag): never acknowledged, so a power cut may take them.</param>
    private sealed record Cut(int Round, string SessionId, long CutRigNs, string TokenName, string TokenSecret, string MarkerLabel,
        IReadOnlyDictionary<string, long> RecordedAtCut, IReadOnlySet<string> LiveAtCut, IReadOnlyDictionary<string, double> BacklogAtCut);

    [Fact]
    public async Task PowerCutsAtRandomMoments_SessionsListedChunksVerifiedTokensWork()
    {
        Assert.True(Environment.UserName == "root" && File.Exists("/dev/loop-control"),
            "the power-cut test needs root and loop devices (mount -o loop); this machine has neither, so durability is untested here");
        string work = Paths.TempDir("powercut");
        var mounts = new List<string>();
        Process? service = null;
        int seed = Environment.TickCount & 0xFFFF;
        var random = new Random(seed);
        output.WriteLine($"power-cut seed {seed}");
        var cuts = new List<Cut>();
        try
        {
            string image = Path.Combine(work, "rig-0.img");
            await Run("truncate", "-s", "1G", image);
            await Run("mkfs.ext4", "-q", "-F", image);
            for (int round = 0; round <= 3; round++)
            {
                string mount = Path.Combine(work, $"m{round}");
                Directory.CreateDirectory(mount);
                await Run("mount", "-o", "loop", image, mount);
                mounts.Add(mount);
                string data = Path.Combine(mount, "d");
                string url = $"http://127.0.0.1:{ProcessTests.FreePort()}";
                service = ProcessRunner.Start("dotnet", [Paths.ServiceDll, "--rig", Paths.Rig("sim-default.json"), "--data-dir", data, "--urls", url]);
                using var admin = Paths.AuthedChannel(url, data);
                var rig = new Rig.RigClient(admin);
                await ProcessTests.WaitUntilServing(rig);
                foreach (var cut in cuts) await VerifyAsync(url, data, admin, cut, work);
                if (round == 3) break;

                // acknowledged before the cut: a token, a session, a marker
                string tokenName = $"cut{round}";
                var token = await new Admin.AdminClient(admin).CreateTokenAsync(new CreateTokenRequest { Name = tokenName, Role = "data" });
                await RigServiceFixture.WaitForSyncAsync(admin);
                var session = await rig.StartRecordingAsync(new StartRecordingRequest { Name = $"power cut {round}" });
                await Task.Delay(TimeSpan.FromMilliseconds(1500 + random.Next(4500)));
                string label = $"before cut {round}";
                await rig.AddMarkerAsync(new AddMarkerRequest { Label = label });
                await Task.Delay(TimeSpan.FromMilliseconds(random.Next(600)));
                var atCut = await rig.GetStatusAsync(new GetStatusRequest());
                long cutRig = atCut.RigTimeNs;
                var recordedAtCut = atCut.Streams.ToDictionary(s => s.Stream.Id, s => s.SessionCounts?.Recorded ?? 0);
                var liveAtCut = atCut.Streams.Where(s => s.Live).Select(s => s.Stream.Id).ToHashSet();
                var backlogAtCut = atCut.Streams.Where(s => s.Stream.NominalRateHz > 0 && s.SessionCounts is not null).ToDictionary(s => s.Stream.Id,
                    s => (s.SessionCounts.Produced - s.SessionCounts.Recorded - s.SessionCounts.Dropped) / s.Stream.NominalRateHz);

                // the cut: freeze, copy the block device's contents, kill
                await Run("kill", "-STOP", service.Id.ToString());
                string next = Path.Combine(work, $"rig-{round + 1}.img");
                await Run("cp", "--sparse=always", image, next);
                service.Kill();
                await service.WaitForExitAsync();
                service = null;
                await Run("umount", mount);
                mounts.Remove(mount);
                File.Delete(image);
                image = next;
                cuts.Add(new Cut(round, session.Id, cutRig, tokenName, token.Secret, label, recordedAtCut, liveAtCut, backlogAtCut));
            }
        }
        finally
        {
            if (service is { HasExited: false })
            {
                service.Kill();
                await service.WaitForExitAsync();
            }
            foreach (var m in mounts) await ProcessRunner.RunAsync("umount", ["-l", m], TimeSpan.FromSeconds(30));
            Directory.Delete(work, recursive: true);
        }
    }

    private async Task VerifyAsync(string url, string data, GrpcChannel admin, Cut cut, string work)
    {
        // the token made before the cut still authenticates
        using var tokenChannel = GrpcChannel.ForAddress(url, new GrpcChannelOptions
        {
            Credentials = ChannelCredentials.Create(ChannelCredentials.Insecure, CallCredentials.FromInterceptor((_, m) =>
            {
                m.Add("authorization", "Bearer " + cut.TokenSecret);
                return Task.CompletedTask;
            })),
            UnsafeUseInsecureChannelCallCredentials = true,
        });
        var asData = new Sessions.SessionsClient(tokenChannel);
        var listed = await asData.ListSessionsAsync(new ListSessionsRequest());
        var info = Assert.Single(listed.Sessions, s => s.Id == cut.SessionId);
        Assert.Equal("Recovered", info.State);
        Assert.True(info.ChunkCount > 0, $"cut {cut.Round}: the catalogue lists {info.ChunkCount} chunks");
        Assert.Contains(info.Markers, m => m.Label == cut.MarkerLabel);

        // every chunk pulls verified; every rated stream holds its samples up to <= 1 s before the cut
        string folder = Path.Combine(work, $"pull-{cut.Round}-{Guid.NewGuid():N}");
        var pulled = await new SessionPuller(new Sessions.SessionsClient(admin)) { Force = true }.PullAsync(cut.SessionId, folder, null, CancellationToken.None);
        var pulledFolder = new PulledSessionFolder(pulled.Folder);
        Assert.Empty(pulledFolder.Verify());
        var lags = new List<string>();
        foreach (var stream in info.Streams.Where(s => s.NominalRateHz > 0))
        {
            var samples = pulledFolder.ReadSamples(stream.Id).ToList();
            Assert.Equal(info.Counts[stream.Id].Recorded, samples.Count);
            // nothing acknowledged is lost: every sample the recorder had reported flushed before the cut is there
            long acknowledged = cut.RecordedAtCut.GetValueOrDefault(stream.Id);
            Assert.True(samples.Count >= acknowledged, $"cut {cut.Round}: {stream.Id} has {samples.Count} samples, {acknowledged} were acknowledged before the cut");
            long last = samples.Select(s => s.Rig.Time.Nanoseconds).DefaultIfEmpty(0).Max();
            double lagS = (cut.CutRigNs - last) / 1e9;
            lags.Add($"{stream.Id} {lagS:0.000} s ({samples.Count}/{acknowledged} acknowledged)");
            // the flush interval (0.5 s) plus delivery latency, plus whatever a busy machine's recorder had not yet flushed
            double allowed = 1.0 + cut.BacklogAtCut.GetValueOrDefault(stream.Id);
            if (cut.LiveAtCut.Contains(stream.Id))
                Assert.True(lagS <= allowed, $"cut {cut.Round}: {stream.Id} ends {lagS:0.000} s before the cut, allowed {allowed:0.000} s (all: {string.Join(", ", lags)})");
        }
        output.WriteLine($"cut {cut.Round} ({cut.SessionId}, {info.ChunkCount} chunks): last sample before the cut: {string.Join(", ", lags)}");
        Directory.Delete(folder, recursive: true);
    }

    private static async Task Run(string file, params string[] args)
    {
        var r = await ProcessRunner.RunAsync(file, args, TimeSpan.FromMinutes(2));
        Assert.True(r.ExitCode == 0, $"{file} {string.Join(' ', args)} exited {r.ExitCode}: {r.Stderr}");
    }
}
