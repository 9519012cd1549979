using System.CommandLine;
using EdgeRig.Api.V1;
using Spectre.Console;

namespace EdgeRig.Cli.Commands;

/// <summary>`edgerig calibrate run|list|show|apply` (lab role).</summary>
internal static class CalibrationCommand
{
    public static Command CreateCalibrate()
    {
        var id = new Argument<string>("session") { Description = "A recorded session with stimuli (flash, click, tap, range step)" };
        var method = new Option<string>("--method") { Description = "stimulus (motion: not wired to the service yet)", DefaultValueFactory = _ => "stimulus" };
        var save = new Option<string>("--save") { Description = "Save the result as a new version of this profile", DefaultValueFactory = _ => "" };
        var note = new Option<string>("--note") { Description = "A note kept with the profile", DefaultValueFactory = _ => "" };
        var run = new Command("run", "Measure each stream's fixed latency in a recorded session; --save keeps it as a profile version") { id, method, save, note };
        run.SetAction((parse, ct) => EdgeRigCli.Guard(parse, async channel =>
        {
            if (parse.GetValue(method) is not "stimulus")
                throw new ArgumentException($"--method '{parse.GetValue(method)}': only stimulus runs on the rig so far (the motion method exists in EdgeRig.Calibration but is not wired to the service)");
            var report = await new Api.V1.Calibration.CalibrationClient(channel).RunStimulusAsync(
                new RunStimulusRequest { SessionId = parse.GetValue(id) ?? "", SaveAs = parse.GetValue(save) ?? "", Note = parse.GetValue(note) ?? "" }, cancellationToken: ct);
            if (parse.GetValue(EdgeRigCli.Json)) Output.Json(report);
            else
            {
                var table = new Table().AddColumns("stream", "method", "latency", "95 % interval", "events", "residual rms", "result");
                foreach (var s in report.Streams)
                    table.AddRow(Markup.Escape(s.Stream), s.Method, Ms(s.OffsetNs), $"{Ms(s.CiLowNs)} .. {Ms(s.CiHighNs)}", $"{s.EventsUsed} (-{s.EventsRejected})",
                        $"{s.ResidualRmsNs / 1e3:0.0} µs", s.FailedBecause.Length == 0 ? "[green]ok[/]" : $"[red]{Markup.Escape(s.FailedBecause)}[/]");
                Output.Ansi.Write(table);
                if (report.Saved is { } p) Output.Ansi.MarkupLine($"saved profile [bold]{Markup.Escape(p.Name)}[/] v{p.Version}");
            }
            return report.Passed ? 0 : 1;
        }));
        var calibrate = new Command("calibrate", "Temporal calibration: measure per-stream latencies, keep them as versioned profiles, apply them (lab role)");
        calibrate.Subcommands.Add(run);
        foreach (var c in ProfileCommands()) calibrate.Subcommands.Add(c);
        return calibrate;
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
                table.AddRow(Markup.Escape(p.Name), p.Version.ToString(), Markup.Escape(p.Rig), AdminCommand.Ms(p.CreatedMs), Markup.Escape(p.CreatedBy),
                    Markup.Escape(string.Join(", ", p.Streams.Select(s => $"{s.Stream} {Ms(s.OffsetNs)}"))));
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
            Output.Ansi.MarkupLine($"[bold]{Markup.Escape(p.Name)}[/] v{p.Version} for rig {Markup.Escape(p.Rig)}, {AdminCommand.Ms(p.CreatedMs)} by {Markup.Escape(p.CreatedBy)} {Markup.Escape(p.Note)}");
            var table = new Table().AddColumns("stream", "device", "latency", "95 % interval", "events", "method");
            foreach (var s in p.Streams)
                table.AddRow(Markup.Escape(s.Stream), Markup.Escape(s.DeviceId), Ms(s.OffsetNs), $"{Ms(s.CiLowNs)} .. {Ms(s.CiHighNs)}", s.EventsUsed.ToString(), s.Method);
            Output.Ansi.Write(table);
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
            else Output.Ansi.MarkupLine($"session {Markup.Escape(reply.SessionId)} now reads with {(reply.Calibration.Length > 0 ? Markup.Escape(reply.Calibration) : "no calibration")}");
            return 0;
        }));
        return [list, show, apply];
    }

    private static string Ms(double ns) => $"{ns / 1e6:0.000} ms";
}
