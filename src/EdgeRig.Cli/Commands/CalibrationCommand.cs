using System.CommandLine;
using EdgeRig.Api.V1;
using Spectre.Console;

namespace EdgeRig.Cli.Commands;

/// <summary>`edgerig calibrate run|spatial|list|show|apply` (lab role).</summary>
internal static class CalibrationCommand
{
    public static Command CreateCalibrate()
    {
        var calibrate = new Command("calibrate", "Calibration: measure per-stream latencies (run) and lenses and sensor poses (spatial), keep them as versioned profiles, apply them (lab role)");
        calibrate.Subcommands.Add(CreateRun());
        calibrate.Subcommands.Add(SpatialCalibrationCommand.Create());
        foreach (var c in ProfileCommands()) calibrate.Subcommands.Add(c);
        return calibrate;
    }

    private static Command CreateRun()
    {
        var method = new Option<string>("--method") { Description = "stimulus (flash, click, tap, LIDAR range step fired by the trigger) or motion (turn the rig)", DefaultValueFactory = _ => "stimulus" };
        method.AcceptOnlyFromAmong("stimulus", "motion");
        var session = new Option<string>("--session") { Description = "Calibrate this recorded session instead of recording a new one", DefaultValueFactory = _ => "" };
        var sessionArg = new Argument<string>("session") { Description = "Same as --session (older form)", Arity = ArgumentArity.ZeroOrOne, DefaultValueFactory = _ => "" };
        var count = new Option<int>("--count") { Description = "Stimuli to fire in a live stimulus run (default: the rig file's calibration.stimulusCount)" };
        var seconds = new Option<double>("--seconds") { Description = "How long a live motion run records while the rig turns (default: the rig file's calibration.motionSeconds)" };
        var save = new Option<string>("--save-as", "--save") { Description = "Save the result as a new version of this profile (only if every stream passes)", DefaultValueFactory = _ => "" };
        var note = new Option<string>("--note") { Description = "A note kept with the profile", DefaultValueFactory = _ => "" };
        var gyroProfile = new Option<string>("--gyro-profile") { Description = "Motion: the profile (NAME[@V]) giving the gyro's own offset, for absolute offsets", DefaultValueFactory = _ => "" };
        var gyroStream = new Option<string>("--gyro-stream") { Description = "Motion: the IMU stream whose gyro is the reference (default: the first IMU)", DefaultValueFactory = _ => "" };
        var run = new Command("run", "Measure each stream's fixed latency: record a calibration session (or use --session), report offset, interval and pass/fail; --save-as keeps it as a profile version")
            { method, session, sessionArg, count, seconds, save, note, gyroProfile, gyroStream };
        run.SetAction((parse, ct) => EdgeRigCli.Guard(parse, async channel =>
        {
            string id = parse.GetValue(session) is { Length: > 0 } s ? s : parse.GetValue(sessionArg) ?? "";
            bool json = parse.GetValue(EdgeRigCli.Json), motion = parse.GetValue(method) == "motion";
            if (motion && parse.GetValue(count) != 0) throw new ArgumentException("--count applies to --method stimulus");
            if (!motion && parse.GetValue(seconds) != 0) throw new ArgumentException("--seconds applies to --method motion");
            if (id.Length > 0 && (parse.GetValue(count) != 0 || parse.GetValue(seconds) != 0)) throw new ArgumentException("--count and --seconds apply to a live run, not to --session");
            var client = new Api.V1.Calibration.CalibrationClient(channel);
            string what = id.Length > 0 ? $"calibrating session {id}"
                : motion ? "recording while the rig turns (simulated rig: the world turns it; a real rig: turn it by hand about its vertical axis now)"
                : "recording a calibration session and firing the trigger";
            Task<CalibrationReport> call() => motion
                ? client.RunMotionAsync(new RunMotionRequest { SessionId = id, SaveAs = parse.GetValue(save) ?? "", Note = parse.GetValue(note) ?? "", Seconds = parse.GetValue(seconds),
                    GyroProfile = parse.GetValue(gyroProfile) ?? "", GyroStream = parse.GetValue(gyroStream) ?? "" }, cancellationToken: ct).ResponseAsync
                : client.RunStimulusAsync(new RunStimulusRequest { SessionId = id, SaveAs = parse.GetValue(save) ?? "", Note = parse.GetValue(note) ?? "", Count = parse.GetValue(count) },
                    cancellationToken: ct).ResponseAsync;
            var report = json ? await call() : await Output.Ansi.Status().StartAsync(what + " ...", _ => call());
            if (json) Output.Json(report);
            else Print(report);
            return report.Passed && report.NotSavedBecause.Length == 0 ? 0 : 1;
        }));
        return run;
    }

    private static void Print(CalibrationReport report)
    {
        var table = new Table().AddColumns("stream", "method", "latency", "95 % interval", "± / tolerance", "events", "residual rms", "result");
        foreach (var s in report.Streams)
            table.AddRow(Output.Text(s.Stream), Output.Text(s.Method), Ms(s.OffsetNs), $"{Ms(s.CiLowNs)} .. {Ms(s.CiHighNs)}",
                $"{(s.CiHighNs - s.CiLowNs) / 2e6:0.000} / {(s.ToleranceNs > 0 ? $"{s.ToleranceNs / 1e6:0.000}" : "-")} ms", $"{s.EventsUsed} (-{s.EventsRejected})",
                $"{s.ResidualRmsNs / 1e3:0.0} µs", s.Passed ? "[green]pass[/]" : $"[red]fail: {Output.Text(s.FailedBecause)}[/]");
        Output.Ansi.MarkupLine($"{Output.Text(report.Method)} run on session [bold]{Output.Text(report.SessionId)}[/] in {report.RunSeconds:0.0} s" +
            (report.Stimuli > 0 ? $", {report.Stimuli} stimuli" : "") + $"; references: {Output.Text(report.References)}");
        Output.Ansi.Write(table);
        foreach (var damaged in report.DamagedChunks) Output.Ansi.MarkupLine($"[yellow]left out damaged chunk[/] {Output.Text(damaged)}");
        if (report.RelativeTo.Length > 0) Output.Ansi.MarkupLine($"offsets are relative to [bold]{Output.Text(report.RelativeTo)}[/] (give --gyro-profile for absolute ones)");
        Output.Ansi.MarkupLine(report.Passed ? "[green]passed[/]: every stream within the rig's tolerance" : "[red]failed[/]: see the streams marked fail");
        if (report.Saved is { } p) Output.Ansi.MarkupLine($"saved profile [bold]{Output.Text(p.Name)}[/] v{p.Version}");
        if (report.NotSavedBecause.Length > 0) Output.Ansi.MarkupLine($"[red]{Output.Text(report.NotSavedBecause)}[/]");
    }

    private static IEnumerable<Command> ProfileCommands()
    {
        var list = new Command("list", "Latest version of every calibration profile");
        list.SetAction((parse, ct) => EdgeRigCli.Guard(parse, async channel =>
        {
            var reply = await new Api.V1.Calibration.CalibrationClient(channel).ListProfilesAsync(new ListProfilesRequest(), cancellationToken: ct);
            if (parse.GetValue(EdgeRigCli.Json)) { Output.Json(reply); return 0; }
            var table = new Table().AddColumns("name", "version", "rig", "created", "by", "streams");
            foreach (var p in reply.Profiles)
                table.AddRow(Output.Text(p.Name), p.Version.ToString(), Output.Text(p.Rig), AdminCommand.Ms(p.CreatedMs), Output.Text(p.CreatedBy),
                    Output.Text(string.Join(", ", p.Streams.Select(s => $"{s.Stream} {Ms(s.OffsetNs)}"))));
            Output.Ansi.Write(table);
            return 0;
        }));
        var name = new Argument<string>("profile") { Description = "Profile name" };
        var version = new Option<int>("--version") { Description = "Version (default: the latest)" };
        var export = new Option<string?>("--export") { Description = "Write the profile file (JSON) here" };
        var show = new Command("show", "One profile version with its history") { name, version, export };
        show.SetAction((parse, ct) => EdgeRigCli.Guard(parse, async channel =>
        {
            var reply = await new Api.V1.Calibration.CalibrationClient(channel).GetProfileAsync(
                new GetProfileRequest { Name = parse.GetValue(name) ?? "", Version = parse.GetValue(version) }, cancellationToken: ct);
            if (parse.GetValue(export) is { } file) await File.WriteAllTextAsync(file, reply.Profile.Json, ct);
            if (parse.GetValue(EdgeRigCli.Json)) { Output.Json(reply); return 0; }
            var p = reply.Profile;
            Output.Ansi.MarkupLine($"[bold]{Output.Text(p.Name)}[/] v{p.Version} for rig {Output.Text(p.Rig)}, {AdminCommand.Ms(p.CreatedMs)} by {Output.Text(p.CreatedBy)} {Output.Text(p.Note)}");
            var table = new Table().AddColumns("stream", "device", "latency", "95 % interval", "events", "method");
            foreach (var s in p.Streams)
                table.AddRow(Output.Text(s.Stream), Output.Text(s.DeviceId), Ms(s.OffsetNs), $"{Ms(s.CiLowNs)} .. {Ms(s.CiHighNs)}", s.EventsUsed.ToString(), Output.Text(s.Method));
            Output.Ansi.Write(table);
            if (p.Spatial is { } spatial)
            {
                Output.Ansi.MarkupLine($"spatial calibration, reference camera {Output.Text(spatial.ReferenceStream)}:");
                SpatialCalibrationCommand.WriteTables(spatial, verdict: null);
            }
            Output.Ansi.MarkupLine($"history: {string.Join(", ", reply.History.Select(h => $"v{h.Version} {AdminCommand.Ms(h.CreatedMs)}"))}");
            return 0;
        }));
        var profileRef = new Argument<string>("profile") { Description = "NAME or NAME@VERSION, or none" };
        var session = new Option<string>("--session") { Description = "The session to read and export with this profile", Required = true };
        var apply = new Command("apply", "Read and export an old session with a profile (its stored samples never change)") { profileRef, session };
        apply.SetAction((parse, ct) => EdgeRigCli.Guard(parse, async channel =>
        {
            var reply = await new Api.V1.Calibration.CalibrationClient(channel).ApplyProfileAsync(
                new ApplyProfileRequest { SessionId = parse.GetValue(session) ?? "", Profile = parse.GetValue(profileRef) ?? "" }, cancellationToken: ct);
            if (parse.GetValue(EdgeRigCli.Json)) Output.Json(reply);
            else Output.Ansi.MarkupLine($"session {Output.Text(reply.SessionId)} now reads with {(reply.Calibration.Length > 0 ? Output.Text(reply.Calibration) : "no calibration")}");
            return 0;
        }));
        return [list, show, apply];
    }

    private static string Ms(double ns) => $"{ns / 1e6:0.000} ms";
}
