using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeRig.Api.V1;
using EdgeRig.Cli;

namespace EdgeRig.Benchmarks;

/// <summary>
/// `service-soak`: the real service process (the built edgerig-service, with the environment of the systemd unit and its env file) on the
/// default simulated rig over TLS on loopback, driven from this process over gRPC as a client would: idle first (the
/// baseline), then recording in segments (a new session every ~60 s), GetStatus every second, each finished segment pulled
/// with the CLI's puller while the next records, then deleted. The service's RSS (VmRSS = RssAnon + RssFile) is sampled
/// from /proc/PID/status: at 1 minute, at the end, the peak and the growth after the first minute, against the 150 MB goal.
/// </summary>
public static class ServiceSoakBench
{
    private const double GoalMiB = 150 / 1.048576; // 150 MB

    public sealed record Options(double Minutes, double IdleSeconds, double SegmentSeconds, double SampleSeconds, bool Dashboard)
    {
        public string? ServiceDir { get; init; }
    }

    private sealed record RssSample(double Seconds, string Phase, double RssMiB, double AnonMiB, double FileMiB);

    public static async Task RunAsync(string root, string rigFile, Options o, BenchResults results)
    {
        string dir = Path.Combine(Path.GetTempPath(), "edgerig-svcsoak-" + Guid.NewGuid().ToString("N"));
        string data = Path.Combine(dir, "data"), pulled = Path.Combine(dir, "pulled");
        Directory.CreateDirectory(data);
        string url = $"https://127.0.0.1:{FreePort()}";
        var env = UnitEnvironment(Path.Combine(root, "systemd", "edgerig.service"));
        Console.Error.WriteLine($"service-soak: {o.Minutes} min recording after {o.IdleSeconds} s idle, segments of {o.SegmentSeconds} s; env {string.Join(' ', env.Select(kv => $"{kv.Key}={kv.Value}"))}; load {LoadAverage()}");
        using var service = StartService(o.ServiceDir ?? Path.Combine(root, "src", "EdgeRig.Service", "bin", "Release", "net10.0"), rigFile, data, url, env, Path.Combine(dir, "service.log"));
        var samples = new List<RssSample>();
        var sw = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        string phase = "start";
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (ReadStatus(service.Id) is { } s) lock (samples) samples.Add(new RssSample(sw.Elapsed.TotalSeconds, phase, s.Rss, s.Anon, s.File));
                try { await Task.Delay(TimeSpan.FromSeconds(o.SampleSeconds), stop.Token); } catch (OperationCanceledException) { }
            }
        });
        try
        {
            var connection = await ConnectAsync(service, data, url);
            using var channel = connection.Open();
            var rig = new Rig.RigClient(channel);
            var sessions = new Sessions.SessionsClient(channel);
            phase = "idle";
            var idleStart = sw.Elapsed;
            double idleCpu0 = CpuSeconds(service.Id);
            await Task.Delay(TimeSpan.FromSeconds(o.IdleSeconds));
            double idleRss = ReadStatus(service.Id)!.Value.Rss;
            double idleCpu = (CpuSeconds(service.Id) - idleCpu0) / (sw.Elapsed - idleStart).TotalSeconds;
            Console.Error.WriteLine($"service-soak: idle {(sw.Elapsed - idleStart).TotalSeconds:0} s, RSS {idleRss:0.0} MiB");

            phase = "recording";
            var polls = Task.Run(() => PollStatusAsync(rig, stop.Token));
            var dashboard = o.Dashboard ? Task.Run(() => PollDashboardAsync(connection, url, stop.Token)) : Task.FromResult(0L);
            var recordStart = sw.Elapsed;
            double recordCpu0 = CpuSeconds(service.Id);
            var total = TimeSpan.FromMinutes(o.Minutes);
            double rssAt1 = 0;
            int segments = 0, pulls = 0;
            long produced = 0, dropped = 0, pulledBytes = 0;
            Task<long> pull = Task.FromResult(0L);
            // the first reading at or after the 1-minute mark; also taken at a segment's end, as under load a stop and a start
            // can take longer than a (short, smoke) segment, and the loop below would skip the mark
            void FirstMinute()
            {
                if (rssAt1 != 0 || sw.Elapsed - recordStart < TimeSpan.FromMinutes(Math.Min(1, o.Minutes / 3))) return;
                rssAt1 = ReadStatus(service.Id)!.Value.Rss;
                Console.Error.WriteLine($"service-soak: {(sw.Elapsed - recordStart).TotalMinutes:0.0} min recording, RSS {rssAt1:0.0} MiB");
            }
            string current = (await rig.StartRecordingAsync(new StartRecordingRequest { Name = "service-soak 1" })).Id;
            while (sw.Elapsed - recordStart < total)
            {
                var segmentEnd = TimeSpan.FromSeconds(Math.Min(total.TotalSeconds, (segments + 1) * o.SegmentSeconds));
                while (sw.Elapsed - recordStart < segmentEnd)
                {
                    var left = segmentEnd - (sw.Elapsed - recordStart);
                    FirstMinute();
                    await Task.Delay(left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1));
                }
                FirstMinute();
                var stopped = await rig.StopRecordingAsync(new StopRecordingRequest());
                segments++;
                produced += stopped.Counts.Values.Sum(c => c.Produced);
                dropped += stopped.Counts.Values.Sum(c => c.Dropped);
                pulledBytes += await pull; // one pull at a time, as one client would
                if (sw.Elapsed - recordStart < total)
                {
                    pulls++;
                    pull = PullAndDeleteAsync(sessions, current, pulled);
                    current = (await rig.StartRecordingAsync(new StartRecordingRequest { Name = $"service-soak {segments + 1}" })).Id;
                }
                var s = ReadStatus(service.Id)!.Value;
                Console.Error.WriteLine($"service-soak: {(sw.Elapsed - recordStart).TotalMinutes:0.0} min, {segments} segments, RSS {s.Rss:0.0} MiB = anon {s.Anon:0.0} + file {s.File:0.0}; load {LoadAverage()}");
            }
            double endRss = ReadStatus(service.Id)!.Value.Rss, peak = ReadHwm(service.Id);
            double recordCpu = (CpuSeconds(service.Id) - recordCpu0) / (sw.Elapsed - recordStart).TotalSeconds;
            var last = ReadStatus(service.Id)!.Value;
            var mapped = MappedBreakdown(service.Id);
            stop.Cancel();
            long statusPolls = await polls, dashboardPolls = await dashboard;
            await sampler;

            List<RssSample> after;
            lock (samples) after = samples.Where(x => x.Phase == "recording" && x.Seconds - recordStart.TotalSeconds >= Math.Min(60, o.Minutes * 20)).ToList();
            double slope = Slope(after.Select(x => (x.Seconds / 60, x.RssMiB)).ToList()); // MiB per minute
            WriteSeries(root, samples, recordStart.TotalSeconds);
            results.Add("service-soak", "rss_idle", idleRss, "MiB", GoalMiB);
            results.Add("service-soak", "rss_at_1min", rssAt1, "MiB", idleRss);
            results.Add("service-soak", $"rss_at_{o.Minutes:0.#}min", endRss, "MiB", GoalMiB);
            results.Add("service-soak", "rss_anon_at_end", last.Anon, "MiB", last.Rss);
            foreach (var (kind, mib) in mapped) results.Add("service-soak", $"rss_in_{kind}_at_end", mib, "MiB", last.Rss);
            results.Add("service-soak", "rss_median_after_1min", Median(after.Select(x => x.RssMiB)), "MiB", GoalMiB);
            results.Add("service-soak", "peak_rss", peak, "MiB", GoalMiB);
            results.Add("service-soak", "rss_growth_after_1min", endRss - rssAt1, "MiB", rssAt1);
            results.Add("service-soak", "rss_slope_after_1min", slope, "MiB/min", rssAt1);
            // CPU-s of the service per second: recording with the polls and pulls, against the same service idle (capture only)
            results.Add("service-soak", "cpu_per_second", recordCpu, "s/s", idleCpu);
            results.Add("service-soak", "dropped", dropped, "samples", produced);
            results.Add("service-soak", "pulls", pulls, "sessions", segments);
            results.Add("service-soak", "pulled", pulledBytes / 1048576.0, "MiB", 0);
            results.Add("service-soak", "status_polls", statusPolls, "calls", (sw.Elapsed - recordStart).TotalSeconds);
            if (o.Dashboard) results.Add("service-soak", "dashboard_polls", dashboardPolls, "calls", (sw.Elapsed - recordStart).TotalSeconds);
            results.Add("service-soak", "load_average_1min", double.Parse(LoadAverage().Split(' ')[0], CultureInfo.InvariantCulture), "", Environment.ProcessorCount);
        }
        finally
        {
            stop.Cancel();
            if (!service.HasExited)
            {
                using (var term = Process.Start("kill", ["-TERM", service.Id.ToString(CultureInfo.InvariantCulture)])!) await term.WaitForExitAsync();
                using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                try { await service.WaitForExitAsync(limit.Token); }
                catch (OperationCanceledException) { service.Kill(); }
            }
            if (Environment.GetEnvironmentVariable("EDGERIG_SOAK_KEEP") == "1") Console.Error.WriteLine($"service-soak: kept {dir}");
            else Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>What the appliance runs with: the unit's Environment= lines and its EnvironmentFile (systemd/edgerig.env, the
    /// GC and glibc settings), each overridden by this process's own.</summary>
    public static Dictionary<string, string> UnitEnvironment(string unitFile)
    {
        var env = new Dictionary<string, string>();
        void Set(string pair)
        {
            if (pair.Split('=', 2) is [var k, var v]) env[k] = Environment.GetEnvironmentVariable(k) ?? v;
        }
        foreach (var line in File.ReadLines(unitFile).Where(l => l.StartsWith("Environment=", StringComparison.Ordinal)))
            foreach (var pair in line["Environment=".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)) Set(pair);
        string envFile = Path.Combine(Path.GetDirectoryName(unitFile)!, "edgerig.env");
        foreach (var line in File.ReadLines(envFile).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))) Set(line);
        return env;
    }

    private static Process StartService(string bin, string rigFile, string data, string url, Dictionary<string, string> env, string log)
    {
        if (!File.Exists(Path.Combine(bin, "edgerig-service"))) throw new FileNotFoundException($"build the service first: {bin}/edgerig-service is missing");
        var psi = new ProcessStartInfo(Path.Combine(bin, "edgerig-service"))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Path.GetDirectoryName(data)!,
        };
        foreach (var a in new[] { "--data-dir", data, "--rig", rigFile, "--urls", url }) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env) psi.Environment[k] = v;
        var p = Process.Start(psi)!;
        var writer = new StreamWriter(log) { AutoFlush = true };
        p.OutputDataReceived += (_, e) => { if (e.Data is { } d) lock (writer) writer.WriteLine(d); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is { } d) lock (writer) writer.WriteLine(d); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        p.Exited += (_, _) => { lock (writer) writer.Dispose(); };
        p.EnableRaisingEvents = true;
        return p;
    }

    /// <summary>Waits for the admin token and the certificate the service writes at first start, then for GetStatus to answer.</summary>
    private static async Task<RigConnection> ConnectAsync(Process service, string data, string url)
    {
        var limit = Stopwatch.StartNew();
        while (true)
        {
            if (service.HasExited) throw new InvalidOperationException($"edgerig-service exited with {service.ExitCode} (see its log)");
            if (limit.Elapsed > TimeSpan.FromSeconds(90)) throw new TimeoutException("edgerig-service did not answer within 90 s");
            string token = Path.Combine(data, "admin.token"), pfx = Path.Combine(data, "tls", "rig.pfx");
            if (File.Exists(token) && File.Exists(pfx))
            {
                try
                {
                    using var certificate = X509CertificateLoader.LoadPkcs12FromFile(pfx, password: null);
                    var connection = new RigConnection(url, File.ReadAllText(token).Trim(), RigConnection.Fingerprint(certificate), null);
                    using var channel = connection.Open();
                    await new Rig.RigClient(channel).GetStatusAsync(new GetStatusRequest(), deadline: DateTime.UtcNow.AddSeconds(5));
                    return connection;
                }
                catch (Exception e) when (e is Grpc.Core.RpcException or IOException or CryptographicException) { }
            }
            await Task.Delay(250);
        }
    }

    private static async Task<long> PollStatusAsync(Rig.RigClient rig, CancellationToken ct)
    {
        long calls = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                await rig.GetStatusAsync(new GetStatusRequest(), cancellationToken: ct);
                calls++;
            }
        }
        catch (OperationCanceledException) { }
        catch (Grpc.Core.RpcException e) when (e.StatusCode == Grpc.Core.StatusCode.Cancelled) { }
        return calls;
    }

    /// <summary>What an open phone dashboard asks for (wwwroot/app.js): status every second, previews and one thumbnail per camera every 0.4 s.</summary>
    private static async Task<long> PollDashboardAsync(RigConnection connection, string url, CancellationToken ct)
    {
        using var http = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = new System.Net.Security.SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && RigConnection.Fingerprint(cert) == connection.FingerprintSha256,
            },
        });
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", connection.Token);
        long calls = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(400));
        try
        {
            for (long tick = 0; await timer.WaitForNextTickAsync(ct); tick++)
            {
                var paths = new List<string> { "/api/preview", "/api/preview/camera/cam0?width=320", "/api/preview/camera/cam1?width=320" };
                if (tick % 3 == 0) paths.Add("/api/status");
                foreach (var path in paths)
                {
                    using var response = await http.GetAsync(url + path, ct);
                    await response.Content.ReadAsByteArrayAsync(ct);
                    calls++;
                }
            }
        }
        catch (OperationCanceledException) { }
        return calls;
    }

    /// <summary>Pulls a finished session as `edgerig pull` does (verified, fsync'd, confirmed), then deletes it on the rig and here.</summary>
    private static async Task<long> PullAndDeleteAsync(Sessions.SessionsClient sessions, string id, string outDir)
    {
        var result = await new SessionPuller(sessions) { Force = true }.PullAsync(id, outDir, null, CancellationToken.None);
        if (!result.Confirmed) throw new InvalidOperationException($"the pull of {id} was not confirmed");
        await sessions.DeleteSessionAsync(new DeleteSessionRequest { SessionId = id });
        Directory.Delete(result.Folder, recursive: true);
        return result.Bytes;
    }

    private static void WriteSeries(string root, List<RssSample> samples, double recordStart)
    {
        string file = Path.Combine(root, "artifacts", "bench", $"service-soak-{DateTime.UtcNow:yyyyMMdd-HHmmss}.tsv");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        lock (samples)
            File.WriteAllLines(file, samples.Select(s => string.Create(CultureInfo.InvariantCulture,
                $"{s.Seconds - recordStart:0.0}\t{s.Phase}\t{s.RssMiB:0.0}\t{s.AnonMiB:0.0}\t{s.FileMiB:0.0}")).Prepend("seconds_from_recording\tphase\trss_mib\tanon_mib\tfile_mib"));
        Console.Error.WriteLine($"service-soak: RSS series in {file}");
    }

    private static (double Rss, double Anon, double File)? ReadStatus(int pid)
    {
        try
        {
            var lines = File.ReadAllLines($"/proc/{pid}/status");
            double Kib(string key) => long.Parse(lines.First(l => l.StartsWith(key, StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
            return (Kib("VmRSS:"), Kib("RssAnon:"), Kib("RssFile:") + Kib("RssShmem:"));
        }
        catch (Exception e) when (e is IOException or InvalidOperationException) { return null; }
    }

    /// <summary>
    /// Where the resident memory is, by mapping (/proc/PID/smaps; rows rss_in_KIND_at_end): "dll" managed assemblies mapped
    /// from files (framework ReadyToRun code and metadata), "so" native libraries, "jit" the runtime's executable memory
    /// (JIT'd code and stubs, double-mapped through memfd:doublemapper for W^X), "anon" anonymous memory (GC heap, native
    /// heap, stacks): what to work on next, and what no GC setting can reach.
    /// </summary>
    internal static IReadOnlyList<(string Kind, double MiB)> MappedBreakdown(int pid)
    {
        var kib = new Dictionary<string, long> { ["dll"] = 0, ["so"] = 0, ["jit"] = 0, ["anon"] = 0, ["other"] = 0 };
        string kind = "other";
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/smaps"))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length > 0 && fields[0].Contains('-') && !fields[0].EndsWith(':'))
                    kind = MappingKind(fields.Length > 5 ? string.Join(' ', fields[5..]) : "");
                else if (fields is ["Rss:", var value, ..]) kib[kind] += long.Parse(value, CultureInfo.InvariantCulture);
            }
        }
        catch (IOException) { return []; }
        return kib.Select(kv => (kv.Key, kv.Value / 1024.0)).ToList();
    }

    private static string MappingKind(string name) => name switch
    {
        "" or "[heap]" or "[stack]" => "anon",
        _ when name.StartsWith("[anon", StringComparison.Ordinal) => "anon",
        _ when name.StartsWith("/memfd:doublemapper", StringComparison.Ordinal) => "jit",
        _ when name.EndsWith(".dll", StringComparison.Ordinal) => "dll",
        _ when name.EndsWith(".so", StringComparison.Ordinal) || name.Contains(".so.", StringComparison.Ordinal) => "so",
        _ => "other",
    };

    private static double ReadHwm(int pid) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;

    /// <summary>User + system CPU time of a process (/proc/PID/stat fields 14 and 15, in clock ticks of 1/100 s).</summary>
    private static double CpuSeconds(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    private static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted[sorted.Count / 2];
    }

    /// <summary>Least-squares slope of y over x.</summary>
    private static double Slope(List<(double X, double Y)> points)
    {
        if (points.Count < 2) return 0;
        double mx = points.Average(p => p.X), my = points.Average(p => p.Y);
        double sxx = points.Sum(p => (p.X - mx) * (p.X - mx));
        return sxx == 0 ? 0 : points.Sum(p => (p.X - mx) * (p.Y - my)) / sxx;
    }
}
