using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EdgeRig.Api;
using EdgeRig.Api.V1;
using EdgeRig.Calibration.Profiles;
using EdgeRig.Core;
using EdgeRig.Export.SessionMcap;
using Spectre.Console;

namespace EdgeRig.Cli.Commands;

/// <summary>`edgerig calibrate spatial` (lab role): lenses and sensor poses from a checkerboard, judged against the rig file's
/// calibration.spatial, optionally saved as a new version of a profile beside its time offsets.</summary>
internal static class SpatialCalibrationCommand
{
    public static Command Create()
    {
        var session = new Option<string>("--session") { Description = "Calibrate this recorded session instead of recording a new one", DefaultValueFactory = _ => "" };
        var seconds = new Option<double>("--seconds") { Description = "How long a live run records (default: the simulated board script's length, else 45 s)" };
        var save = new Option<string>("--save-as", "--save") { Description = "Save the result as a new version of this profile, keeping its time offsets (only if the run passes)", DefaultValueFactory = _ => "" };
        var note = new Option<string>("--note") { Description = "A note kept with the profile", DefaultValueFactory = _ => "" };
        var reference = new Option<string>("--reference") { Description = "The camera whose rig file mount anchors the others (default: the first camera)", DefaultValueFactory = _ => "" };
        var folder = new Option<string?>("--from-folder") { Description = "Calibrate a pulled session folder offline (DIR/ID from `edgerig pull`); needs the service's OpenCV install" };
        var rigFile = new Option<string?>("--rig") { Description = "With --from-folder: the rig file (board, tolerances, design mounts) the session was recorded with" };
        var export = new Option<string?>("--export") { Description = "With --from-folder: write a passing result as a profile file (spatial section only) for `export --calibration FILE`" };
        var spatial = new Command("spatial", "Lenses and sensor poses from a checkerboard held in front of the rig, then the rig turned: record a calibration " +
            "session (or use --session), report reprojection error, each parameter's uncertainty and pass/fail; --save-as keeps it in a profile")
            { session, seconds, save, note, reference, folder, rigFile, export };
        spatial.SetAction((parse, ct) => parse.GetValue(folder) is { } dir ? Task.FromResult(Offline(parse, dir, rigFile, save, note, reference, export, session, seconds)) : EdgeRigCli.Guard(parse, async channel =>
        {
            string id = parse.GetValue(session) ?? "";
            if (id.Length > 0 && parse.GetValue(seconds) != 0) throw new ArgumentException("--seconds applies to a live run, not to --session");
            var request = new RunSpatialRequest
            {
                SessionId = id, Seconds = parse.GetValue(seconds), SaveAs = parse.GetValue(save) ?? "", Note = parse.GetValue(note) ?? "", ReferenceStream = parse.GetValue(reference) ?? "",
            };
            var client = new Api.V1.Calibration.CalibrationClient(channel);
            Task<SpatialCalibrationReport> call() => client.RunSpatialAsync(request, cancellationToken: ct).ResponseAsync;
            bool json = parse.GetValue(EdgeRigCli.Json);
            string what = id.Length > 0 ? $"calibrating session {id}" : "recording while the board is held at many positions, then while the rig turns";
            var report = json ? await call() : await Output.Ansi.Status().StartAsync(what + " ...", _ => call());
            if (json) Output.Json(report);
            else Print(report);
            return report.Passed && report.NotSavedBecause.Length == 0 ? 0 : 1;
        }));
        return spatial;
    }

    /// <summary>The offline solve of a pulled folder (<see cref="OfflineSpatialSolver"/>), reported as the rig reports a run.</summary>
    private static int Offline(ParseResult parse, string dir, Option<string?> rigFile, Option<string> save, Option<string> note, Option<string> reference,
        Option<string?> export, Option<string> session, Option<double> seconds)
    {
        bool json = parse.GetValue(EdgeRigCli.Json);
        try
        {
            if (parse.GetValue(session) is { Length: > 0 } || parse.GetValue(seconds) != 0) throw new ArgumentException("--session and --seconds are for a run on the rig, not --from-folder");
            if (parse.GetValue(save) is { Length: > 0 }) throw new ArgumentException("--save-as saves on the rig; with --from-folder write a profile file with --export FILE");
            string rigPath = parse.GetValue(rigFile) ?? throw new ArgumentException("--from-folder needs --rig FILE (the rig file the session was recorded with)");
            var rig = RigProfile.Load(rigPath);
            var source = new PulledFolderSessionSource(dir);
            OfflineSpatialResult solve() => OfflineSpatialSolver.Solve(source, rig, parse.GetValue(reference) ?? "");
            var result = json ? solve() : Output.Ansi.Status().Start($"calibrating {Output.Text(dir)} offline ...", _ => solve());
            var report = new SpatialCalibrationReport
            {
                SessionId = source.Record.Session.Id, Passed = result.Passed, ImuLagNs = result.ImuLagNs, Result = ProfileJson.Read<SpatialSection>(result.Section.ToJson()),
                Tolerances = ProfileJson.Read<SpatialTolerances>(JsonSerializer.Serialize(rig.Calibration.Spatial, JsonSerializerOptions.Web)),
            };
            report.Failures.AddRange(result.Failures.Select(f => new SpatialFailureInfo { Name = f.Name, Stream = f.Stream, Message = f.Message }));
            report.DamagedChunks.AddRange(result.Damaged.Select(p => p.ToString()));
            if (parse.GetValue(export) is { } file)
            {
                if (!result.Passed) report.NotSavedBecause = $"not writing {file}: the spatial calibration failed";
                else File.WriteAllText(file, new CalibrationProfile("spatial", 0, rig.Name, DateTimeOffset.UtcNow, Environment.UserName, parse.GetValue(note) ?? "", [])
                    { Spatial = result.Section }.ToJson());
            }
            if (json) Output.Json(report);
            else Print(report);
            return report.Passed && report.NotSavedBecause.Length == 0 ? 0 : 1;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or InvalidDataException or FormatException)
        {
            Console.Error.WriteLine($"edgerig: {Output.Plain(e.Message)}");
            return 1;
        }
    }

    private static void Print(SpatialCalibrationReport report)
    {
        Output.Ansi.MarkupLine($"spatial run on session [bold]{Output.Text(report.SessionId)}[/] in {report.RunSeconds:0.0} s; reference camera " +
            $"{Output.Text(report.Result?.ReferenceStream ?? "")}, camera-IMU lag removed {report.ImuLagNs / 1e6:0.000} ms");
        WriteTables(report.Result ?? new SpatialSection(), stream => Verdict(report, stream), $" / {(report.Tolerances ?? new SpatialTolerances()).MaxReprojectionRmsPx} px");
        foreach (var f in report.Failures) Output.Ansi.MarkupLine($"[red]{Output.Text(f.Name)}[/] {Output.Text(f.Stream)}: {Output.Text(f.Message)}");
        foreach (var damaged in report.DamagedChunks) Output.Ansi.MarkupLine($"[yellow]left out damaged chunk[/] {Output.Text(damaged)}");
        Output.Ansi.MarkupLine(report.Passed ? "[green]passed[/]: within the rig file's calibration.spatial tolerances" : "[red]failed[/]: see the failures above");
        if (report.Saved is { } p) Output.Ansi.MarkupLine($"saved profile [bold]{Output.Text(p.Name)}[/] v{p.Version} ({p.Streams.Count} time offsets kept)");
        if (report.NotSavedBecause.Length > 0) Output.Ansi.MarkupLine($"[red]{Output.Text(report.NotSavedBecause)}[/]");
    }

    /// <summary>The lens table and the frame table of a spatial section; <paramref name="verdict"/> gives a result column.</summary>
    internal static void WriteTables(SpatialSection section, Func<string, string>? verdict, string rmsLimit = " px")
    {
        string[] result = verdict is null ? [] : ["result"];
        var lenses = new Table().AddColumns(["camera", "size", "fx ± σ", "fy ± σ", "cx ± σ", "cy ± σ", "k1 k2 p1 p2 k3", "reprojection rms", "views", .. result]);
        foreach (var c in section.Cameras)
        {
            double Sigma(int i) => i < c.StandardDeviations.Count ? c.StandardDeviations[i] : double.NaN;
            var k = c.Intrinsics ?? new CameraIntrinsicsInfo();
            string[] row = [Output.Text(c.Stream), $"{c.Width}x{c.Height}", $"{k.Fx:0.00} ± {Sigma(0):0.00}", $"{k.Fy:0.00} ± {Sigma(1):0.00}", $"{k.Cx:0.00} ± {Sigma(2):0.00}",
                $"{k.Cy:0.00} ± {Sigma(3):0.00}", string.Join(" ", new[] { k.K1, k.K2, k.P1, k.P2, k.K3 }.Select(v => v.ToString("0.####", CultureInfo.InvariantCulture))),
                $"{c.ReprojectionRmsPx:0.000}{rmsLimit}", c.Views.ToString(CultureInfo.InvariantCulture)];
            lenses.AddRow([.. row, .. verdict is null ? [] : new[] { verdict(c.Stream) }]);
        }
        Output.Ansi.Write(lenses);
        var frames = new Table().AddColumns(["stream", "frame", "translation (mm)", "rotation (deg, vector)", "method", "residual", "views", .. result]);
        foreach (var f in section.Frames)
        {
            var pose = f.RigFromSensor ?? new PoseInfo();
            string[] row = [Output.Text(f.Stream), Output.Text(f.FrameId), string.Join(" ", pose.TranslationM.Select(v => (v * 1000).ToString("0.0", CultureInfo.InvariantCulture))),
                string.Join(" ", pose.RotationDeg.Select(v => v.ToString("0.000", CultureInfo.InvariantCulture))), Output.Text(f.Method),
                $"{f.Residual:0.000} {Output.Text(f.ResidualUnit)}", f.Views.ToString(CultureInfo.InvariantCulture)];
            frames.AddRow([.. row, .. verdict is null ? [] : new[] { verdict(f.Stream) }]);
        }
        Output.Ansi.Write(frames);
    }

    private static string Verdict(SpatialCalibrationReport report, string stream) =>
        report.Failures.FirstOrDefault(f => f.Stream == stream) is { } failure ? $"[red]fail: {Output.Text(failure.Name)}[/]" : "[green]pass[/]";
}
