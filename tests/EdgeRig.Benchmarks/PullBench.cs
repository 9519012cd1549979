using System.Diagnostics;
using System.Net.Security;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using EdgeRig.Api.V1;
using EdgeRig.Cli;
using EdgeRig.Core;
using EdgeRig.Service;
using EdgeRig.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenCvSharp;

namespace EdgeRig.Benchmarks;

/// <summary>
/// `pull`: a ~1 GB session pulled over gRPC with TLS (every chunk's SHA-256 checked, bytes discarded) against a raw
/// HTTPS download of the same chunk bytes from the same Kestrel process, alternating three times, medians; the
/// full CLI pull to disk (fsync per chunk) too; then four concurrent pulls while the simulated rig records, whose
/// drops must be zero. The synthetic session is one the rig's QA passes (increasing sequence numbers, distinct decodable
/// frames), and its QA report is made before the timing, as the rig makes it when a recording stops.
/// </summary>
public static class PullBench
{
    public static async Task RunAsync(string rigFile, int sizeMiB, BenchResults results)
    {
        string dir = Path.Combine(Path.GetTempPath(), "edgerig-pullbench-" + Guid.NewGuid().ToString("N"));
        string data = Path.Combine(dir, "data");
        string sessionId = WriteSession(data, sizeMiB);
        long bytes;
        var app = EdgeRigHost.Build(["--urls", "https://127.0.0.1:0", "--data-dir", data, "--rig", rigFile, "--Logging:LogLevel:Default=Warning"]);
        var store = app.Services.GetRequiredService<ISessionStore>();
        app.MapGet("/bench/raw/{id}", async (string id, HttpContext http) =>
        {
            foreach (var c in store.ListChunks(id)) await http.Response.Body.WriteAsync(store.ReadChunk(id, c));
        });
        await app.StartAsync();
        try
        {
            string url = app.Urls.Single();
            string token = File.ReadAllText(Path.Combine(data, "admin.token")).Trim();
            string fingerprint = app.Services.GetRequiredService<TransportInfo>().FingerprintSha256;
            var connection = new RigConnection(url, token, fingerprint, null);
            await RequireQaPassAsync(connection, sessionId);
            bytes = store.ListChunksWithSha256(sessionId).Sum(c => (long)c.StoredLength); // hashes computed once, as on a first pull
            using var http = new HttpClient(new SocketsHttpHandler
            {
                SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && RigConnection.Fingerprint(cert) == fingerprint },
            });

            var grpc = new List<double>();
            var raw = new List<double>();
            var toDisk = new List<double>();
            for (int round = 0; round < 3; round++)
            {
                raw.Add(await Timed(bytes, () => RawDownload(http, $"{url}/bench/raw/{sessionId}")));
                grpc.Add(await Timed(bytes, () => StreamPull(connection, sessionId)));
                string outDir = Path.Combine(dir, $"pulled{round}");
                toDisk.Add(await Timed(bytes, async () =>
                {
                    using var channel = connection.Open();
                    await new SessionPuller(new Sessions.SessionsClient(channel)).PullAsync(sessionId, outDir, null, CancellationToken.None);
                }));
                Directory.Delete(outDir, recursive: true);
            }
            results.Add("pull", "grpc_tls_pull", Median(grpc), "MiB/s", Median(raw));
            results.Add("pull", "cli_pull_to_disk", Median(toDisk), "MiB/s", Median(raw));

            // four concurrent pulls while the simulated rig records
            using var rigChannel = connection.Open();
            var rig = new Rig.RigClient(rigChannel);
            await rig.StartRecordingAsync(new StartRecordingRequest { Name = "recording under pulls" });
            var sw = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => StreamPull(connection, sessionId)));
            double concurrent = 4 * bytes / 1048576.0 / sw.Elapsed.TotalSeconds;
            var stopped = await rig.StopRecordingAsync(new StopRecordingRequest());
            long dropped = stopped.Counts.Values.Sum(c => c.Dropped), produced = stopped.Counts.Values.Sum(c => c.Produced);
            results.Add("pull", "4_concurrent_pulls_total", concurrent, "MiB/s", Median(grpc));
            results.Add("pull", "drops_during_4_pulls", dropped, "samples", produced);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// Writes a camera-like session of about <paramref name="sizeMiB"/> MiB straight into the store; returns its id. The frames
    /// cycle through a few distinct noise JPEGs (~200 kB, nearly incompressible like real ones), so no two in a row are equal.
    /// </summary>
    private static string WriteSession(string data, int sizeMiB)
    {
        using var store = new LiteDbSessionStore(data, new SessionStoreOptions { FreeSpaceReserveBytes = 0, StartHeadroomBytes = 0 });
        var cam = new StreamDescriptor(new StreamId("cam0"), Modality.Camera, Encodings.Jpeg, 30, "", "cam0", "cam0");
        var session = new Session("pullbench", "pull bench", "bench", new Dictionary<string, string>(), new RigTime(1_700_000_000_000_000_000), null, SessionState.Recording, "bench");
        store.CreateSession(session, [cam]);
        var frames = NoiseJpegs(7);
        Console.Error.WriteLine($"pull: synthetic frames of {frames.Average(f => f.Length) / 1000:0} kB");
        const int perChunk = 20;
        long chunkBytes = perChunk * (long)frames.Average(f => f.Length);
        long chunks = Math.Max(2, ((long)sizeMiB << 20) / chunkBytes);
        long seq = 0;
        for (long chunk = 0; chunk < chunks; chunk++)
        {
            var samples = new List<Sample>(perChunk);
            for (int i = 0; i < perChunk; i++, seq++)
                samples.Add(new Sample(cam.Id, seq, new SensorTime(seq), new HostTime(seq),
                    new RigTimestamp(new RigTime(1_700_000_000_000_000_000 + seq * 33_333_333), new Duration(1000)), frames[(int)(seq % frames.Length)]));
            store.WriteChunks(session.Id, [new ChunkBatch(cam, samples)]);
        }
        store.CloseSession(session.Id, new RigTime(1_700_000_000_000_000_000 + seq * 33_333_333), SessionState.Complete, "bench");
        return session.Id;
    }

    /// <summary>Distinct 1280×720 grey-noise JPEGs of about 200 kB each.</summary>
    private static byte[][] NoiseJpegs(int count)
    {
        var random = new Random(3);
        using var image = new Mat(720, 1280, MatType.CV_8UC1);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var pixels = new byte[720 * 1280];
            random.NextBytes(pixels);
            Marshal.Copy(pixels, 0, image.Data, pixels.Length);
            Cv2.ImEncode(".jpg", image, out byte[] jpeg, new ImageEncodingParam(ImwriteFlags.JpegQuality, 15));
            return jpeg;
        }).ToArray();
    }

    /// <summary>Has the rig make the session's QA report (as at the end of a recording) and stops the bench if it is not a pass.</summary>
    private static async Task RequireQaPassAsync(RigConnection connection, string sessionId)
    {
        using var channel = connection.Open();
        var qa = await new Sessions.SessionsClient(channel).GetQaReportAsync(new GetQaReportRequest { SessionId = sessionId });
        if (qa.Verdict != Verdict.Pass)
            throw new InvalidOperationException($"pull bench: the synthetic session's QA verdict is {qa.Verdict}, not pass: {qa.Json[..Math.Min(qa.Json.Length, 2000)]}");
    }

    private static async Task StreamPull(RigConnection connection, string sessionId)
    {
        using var channel = connection.Open();
        using var call = new Sessions.SessionsClient(channel).PullSession(new PullSessionRequest { SessionId = sessionId });
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        string expected = "";
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            var piece = call.ResponseStream.Current.Chunk;
            if (piece is null) continue;
            if (piece.Offset == 0) expected = piece.Meta.Sha256;
            sha.AppendData(piece.Data.Span);
            if (piece.Last && Convert.ToHexStringLower(sha.GetHashAndReset()) != expected)
                throw new InvalidDataException($"chunk {piece.Ordinal} failed its SHA-256");
        }
    }

    private static async Task RawDownload(HttpClient http, string url)
    {
        using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[1 << 20];
        while (await body.ReadAsync(buffer) > 0) { }
    }

    private static async Task<double> Timed(long bytes, Func<Task> work)
    {
        var sw = Stopwatch.StartNew();
        await work();
        return bytes / 1048576.0 / sw.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}
