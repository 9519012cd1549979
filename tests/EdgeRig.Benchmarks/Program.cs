using System.CommandLine;
using EdgeRig.Benchmarks;

// scripts/bench [BENCH...] [--seconds N] [--baseline-seconds N] [--rig FILE] [--<bench>-seconds N ...]
// scripts/bench smoke [BENCH...] [--report FILE]
string root = AppContext.BaseDirectory;
while (!File.Exists(Path.Combine(root, "EdgeRig.sln"))) root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("run from inside the EdgeRig tree");
var defaults = new BenchSizes();

Argument<string[]> Benches(string description)
{
    var argument = new Argument<string[]>("bench") { Arity = ArgumentArity.ZeroOrMore, Description = description };
    argument.AcceptOnlyFromAmong(BenchRunner.Known);
    return argument;
}
Option<T> Size<T>(string name, T fallback, string description) => new(name) { DefaultValueFactory = _ => fallback, Description = description };

var rig = new Option<string>("--rig") { Description = "Rig file of the slice, soak and pull benches", Recursive = true,
    DefaultValueFactory = _ => Path.Combine(root, "hardware", "rigs", "sim-default.json") };
var benches = Benches($"Benches to run (default: all but {string.Join(" and ", BenchRunner.OnlyByName)}, which run only when named)");
var seconds = Size("--seconds", defaults.SliceSeconds, "slice: seconds recorded");
var baselineSeconds = Size("--baseline-seconds", defaults.SliceBaselineSeconds, "slice: seconds of capture only (baseline)");
var storeSeconds = Size("--store-seconds", defaults.StoreSeconds, "store: seconds of the camera-heavy mix");
var minutes = Size("--minutes", defaults.SoakMinutes, "soak: minutes recorded");
var serviceMinutes = Size("--service-minutes", defaults.ServiceSoakMinutes, "service-soak: minutes the real service process records");
var serviceDir = new Option<string?>("--service-dir") { Description = "service-soak: folder holding edgerig-service (default: the Release build in the tree)" };
var pullMiB = Size("--pull-mib", defaults.PullMiB, "pull: size of the session pulled, MiB");
var uploadMiB = Size("--upload-mib", defaults.UploadMiB, "upload: size of the file uploaded, MiB");
var syncSeconds = Size("--sync-seconds", defaults.SyncSeconds, "sync: seconds per synthetic stream (errors counted after the first 10)");
var exportSeconds = Size("--export-seconds", defaults.ExportSeconds, "export: seconds of the synthetic session");
var driversSeconds = Size("--drivers-seconds", defaults.DriversSeconds, "drivers: seconds per driver and baseline");
var qaSeconds = Size("--qa-seconds", defaults.QaSeconds, "qa: seconds of the simulated rig analysed");
var privacySeconds = Size("--privacy-seconds", defaults.PrivacySeconds, "privacy: CPU seconds in all");
var movingFaceFrames = Size("--moving-face-frames", defaults.MovingFaceFrames, "privacy: frames of the moving-face clip");
var jpegSeconds = Size("--jpeg-seconds", defaults.JpegSeconds, "jpeg: CPU seconds in all");
var calibrationSeeds = Size("--calibration-seeds", defaults.CalibrationSeeds, "calibration: world seeds");
var calibrationStimuli = Size("--calibration-stimuli", defaults.CalibrationStimuli, "calibration: stimuli per run");
var spatialSeeds = Size("--spatial-seeds", defaults.SpatialSeeds, "spatial: world seeds (each records the whole script)");

var command = new RootCommand("EdgeRig benchmarks: prints a table and appends JSON lines to artifacts/bench/results.jsonl")
{
    benches, rig, seconds, baselineSeconds, storeSeconds, minutes, serviceMinutes, serviceDir, pullMiB, uploadMiB, syncSeconds, exportSeconds, driversSeconds, qaSeconds, privacySeconds, movingFaceFrames, jpegSeconds,
    calibrationSeeds, calibrationStimuli, spatialSeeds,
};
command.SetAction(async (parse, _) =>
{
    var named = parse.GetValue(benches) ?? [];
    var sizes = defaults with
    {
        SliceSeconds = parse.GetValue(seconds), SliceBaselineSeconds = parse.GetValue(baselineSeconds), StoreSeconds = parse.GetValue(storeSeconds),
        SoakMinutes = parse.GetValue(minutes), ServiceSoakMinutes = parse.GetValue(serviceMinutes), ServiceDir = parse.GetValue(serviceDir), PullMiB = parse.GetValue(pullMiB), UploadMiB = parse.GetValue(uploadMiB), SyncSeconds = parse.GetValue(syncSeconds),
        ExportSeconds = parse.GetValue(exportSeconds), DriversSeconds = parse.GetValue(driversSeconds), QaSeconds = parse.GetValue(qaSeconds),
        PrivacySeconds = parse.GetValue(privacySeconds), JpegSeconds = parse.GetValue(jpegSeconds), MovingFaceFrames = parse.GetValue(movingFaceFrames), CalibrationSeeds = parse.GetValue(calibrationSeeds), CalibrationStimuli = parse.GetValue(calibrationStimuli),
        SpatialSeeds = parse.GetValue(spatialSeeds),
    };
    var runner = new BenchRunner(root, parse.GetValue(rig)!, sizes);
    var results = new BenchResults(Path.Combine(root, "artifacts", "bench", "results.jsonl"));
    foreach (string bench in BenchRunner.Known.Where(b => named.Length == 0 ? !BenchRunner.OnlyByName.Contains(b) : named.Contains(b)))
    {
        await runner.RunAsync(bench, results);
        results.Flush();
    }
    return 0;
});

var smokeBenches = Benches("Benches to smoke (default: every one)");
var report = new Option<string?>("--report") { Description = "Also write `pass NAME` / `fail NAME: reason` lines to this file" };
var smoke = new Command("smoke", "Every bench at tiny sizes (seconds each): fails, naming the bench, when one throws or produces no rows, or non-finite or only zero values")
{
    smokeBenches, report,
};
smoke.SetAction((parse, _) => BenchSmoke.RunAsync(root, parse.GetValue(rig)!, parse.GetValue(smokeBenches) ?? [], parse.GetValue(report)));
command.Subcommands.Add(smoke);

return await command.Parse(args).InvokeAsync();
