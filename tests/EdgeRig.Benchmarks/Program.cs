using EdgeRig.Benchmarks;

// scripts/bench [slice] [--seconds N] [--baseline-seconds N] [--rig FILE]
// scripts/bench service-soak [--minutes 10] [--idle-seconds 30] [--segment-seconds 60] [--sample-seconds 2] [--dashboard]
string root = AppContext.BaseDirectory;
while (!File.Exists(Path.Combine(root, "EdgeRig.sln"))) root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("run from inside the EdgeRig tree");
var benches = args.Where(a => !a.StartsWith("--") && !double.TryParse(a, out _) && !a.EndsWith(".json")).ToHashSet();
string Option(string name, string fallback) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback; }
double seconds = double.Parse(Option("--seconds", "30"), System.Globalization.CultureInfo.InvariantCulture);
double baselineSeconds = double.Parse(Option("--baseline-seconds", "10"), System.Globalization.CultureInfo.InvariantCulture);
string rig = Option("--rig", Path.Combine(root, "hardware", "rigs", "sim-default.json"));
var results = new BenchResults(Path.Combine(root, "artifacts", "bench", "results.jsonl"));
string[] known = ["slice", "sync", "store", "soak", "service-soak", "export", "pull", "drivers", "qa", "privacy", "calibration"];
foreach (var b in benches.Where(b => !known.Contains(b)))
{
    Console.Error.WriteLine($"bench: unknown benchmark '{b}' (known: {string.Join(", ", known)})");
    return 2;
}
if (benches.Count == 0 || benches.Contains("slice"))
{
    await SliceBench.RunAsync(rig, seconds, baselineSeconds, results);
    results.Flush();
}
if (benches.Count == 0 || benches.Contains("store"))
{
    double storeSeconds = double.Parse(Option("--store-seconds", "20"), System.Globalization.CultureInfo.InvariantCulture);
    StoreBench.Run(d => new EdgeRig.Storage.LiteDbSessionStore(d, new() { Layout = EdgeRig.Storage.ChunkPayloadLayout.Embedded, FreeSpaceReserveBytes = 0 }), "embedded", storeSeconds, results);
    StoreBench.Run(d => new EdgeRig.Storage.LiteDbSessionStore(d, new() { Layout = EdgeRig.Storage.ChunkPayloadLayout.Segments, FreeSpaceReserveBytes = 0 }), "segments", storeSeconds, results);
    // #9: the same ingest with AES-256-GCM per chunk (ratio against raw disk writes measured in the same run, like the plain rows)
    StoreBench.Run(d => new EdgeRig.Storage.LiteDbSessionStore(d, new()
    {
        Layout = EdgeRig.Storage.ChunkPayloadLayout.Segments, FreeSpaceReserveBytes = 0, EncryptNewSessions = true,
        Cipher = new EdgeRig.Privacy.KeyRingChunkCipher(EdgeRig.Privacy.KeyRing.Open(Path.Combine(d, "keys", "data.keys"), createIfMissing: true)),
    }), "segments+aes", storeSeconds, results);
    results.Flush();
}
if (benches.Contains("soak")) // ten minutes: only when asked for by name
{
    await SoakBench.RunAsync(rig, double.Parse(Option("--minutes", "10"), System.Globalization.CultureInfo.InvariantCulture), results);
    results.Flush();
}
if (benches.Contains("service-soak")) // the real service process; ten minutes by default (--minutes 0.3 for a smoke run): only when asked for by name
{
    double minutes = double.Parse(Option("--minutes", "10"), System.Globalization.CultureInfo.InvariantCulture);
    double Scaled(string name, double full) => double.Parse(Option(name, Math.Min(full, minutes * 60 / 3).ToString(System.Globalization.CultureInfo.InvariantCulture)), System.Globalization.CultureInfo.InvariantCulture);
    await ServiceSoakBench.RunAsync(root, rig, new ServiceSoakBench.Options(minutes, Scaled("--idle-seconds", 30), Scaled("--segment-seconds", 60),
        double.Parse(Option("--sample-seconds", "2"), System.Globalization.CultureInfo.InvariantCulture), args.Contains("--dashboard")), results);
    results.Flush();
}
if (benches.Count == 0 || benches.Contains("pull"))
{
    await PullBench.RunAsync(rig, int.Parse(Option("--pull-mib", "1024"), System.Globalization.CultureInfo.InvariantCulture), results);
    results.Flush();
}
if (benches.Count == 0 || benches.Contains("sync"))
{
    SyncBench.Run(double.Parse(Option("--sync-seconds", "120"), System.Globalization.CultureInfo.InvariantCulture), results);
    results.Flush();
}
if (benches.Count == 0 || benches.Contains("export"))
{
    ExportBench.Run(root, double.Parse(Option("--export-seconds", "34"), System.Globalization.CultureInfo.InvariantCulture), results);
    results.Flush();
}
if (benches.Count == 0 || benches.Contains("drivers"))
{
    await DriversBench.RunAsync(double.Parse(Option("--drivers-seconds", "10"), System.Globalization.CultureInfo.InvariantCulture), results);
    results.Flush();
}
if (benches.Count == 0 || benches.Contains("qa"))
{
    QaBench.Run(double.Parse(Option("--qa-seconds", "20"), System.Globalization.CultureInfo.InvariantCulture), results);
    results.Flush();
}
if (benches.Count == 0 || benches.Contains("privacy"))
{
    PrivacyBench.Run(double.Parse(Option("--privacy-seconds", "30"), System.Globalization.CultureInfo.InvariantCulture), results);
    results.Flush();
}
if (benches.Contains("calibration")) // about 4 minutes: only when asked for by name
{
    await CalibrationBench.RunAsync(root, int.Parse(Option("--calibration-seeds", "5"), System.Globalization.CultureInfo.InvariantCulture), results);
    results.Flush();
}
return 0;
