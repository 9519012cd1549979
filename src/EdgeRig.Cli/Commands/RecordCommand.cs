using System.CommandLine;
using EdgeRig.Api.V1;
using Spectre.Console;

namespace EdgeRig.Cli.Commands;

/// <summary>`edgerig record start|stop`.</summary>
internal static class RecordCommand
{
    private static void ParseTags(string[]? tags, IDictionary<string, string> into)
    {
        foreach (var tag in tags ?? [])
        {
            int eq = tag.IndexOf('=');
            if (eq <= 0) throw new ArgumentException($"--tag '{tag}' is not key=value");
            into[tag[..eq]] = tag[(eq + 1)..];
        }
    }

    private static Command ArmCommand(Option<string> name, Option<string> op, Option<string[]> tags)
    {
        var pre = new Option<double>("--pre") { Description = "Seconds before the trigger to keep", DefaultValueFactory = _ => 10 };
        var maxMib = new Option<int>("--max-mib") { Description = "Memory bound of the pre-trigger buffer", DefaultValueFactory = _ => 256 };
        var arm = new Command("arm", "Hold the last --pre seconds in memory; `record trigger` (or the marker button) starts a session that begins then") { pre, maxMib, name, op, tags };
        arm.SetAction((parse, ct) => EdgeRigCli.Guard(parse, async channel =>
        {
            var request = new ArmRequest { PreTriggerSeconds = parse.GetValue(pre), MaxBytes = parse.GetValue(maxMib) * 1024L * 1024, Name = parse.GetValue(name) ?? "", Operator = parse.GetValue(op) ?? "" };
            ParseTags(parse.GetValue(tags), request.Tags);
            var armed = await new Rig.RigClient(channel).ArmAsync(request, cancellationToken: ct);
            if (parse.GetValue(EdgeRigCli.Json)) Output.Json(armed);
            else Output.Ansi.MarkupLine($"[yellow]armed[/]: holding the last {armed.PreTriggerSeconds:0.#} s (at most {Output.Bytes(armed.MaxBytes)}); `edgerig record trigger` or the marker button starts recording");
            return 0;
        }));
        return arm;
    }

    private static Command TriggerCommand()
    {
        var trigger = new Command("trigger", "Start the armed session, beginning with the buffered pre-trigger seconds");
        trigger.SetAction((parse, ct) => EdgeRigCli.Guard(parse, async channel =>
        {
            var session = await new Rig.RigClient(channel).TriggerAsync(new TriggerRequest(), cancellationToken: ct);
            if (parse.GetValue(EdgeRigCli.Json)) Output.Json(session);
            else Output.Ansi.MarkupLine($"[red bold]●[/] triggered session [bold]{Output.Text(session.Id)}[/], recorded since {Output.Time(session.StartNs)}");
            return 0;
        }));
        return trigger;
    }

    private static Command DisarmCommand()
    {
        var disarm = new Command("disarm", "Leave armed mode, dropping the buffer");
        disarm.SetAction((parse, ct) => EdgeRigCli.Guard(parse, async channel =>
        {
            var reply = await new Rig.RigClient(channel).DisarmAsync(new DisarmRequest(), cancellationToken: ct);
            if (parse.GetValue(EdgeRigCli.Json)) Output.Json(reply);
            else Output.Ansi.MarkupLine("disarmed");
            return 0;
        }));
        return disarm;
    }

    public static Command Create()
    {
        var record = new Command("record", "Start or stop a recording session");
        var name = new Option<string>("--name") { Description = "Session name", DefaultValueFactory = _ => "" };
        var op = new Option<string>("--operator") { Description = "Who records", DefaultValueFactory = _ => Environment.UserName };
        var tags = new Option<string[]>("--tag") { Description = "Tag as key=value (repeatable)", AllowMultipleArgumentsPerToken = false };
        var start = new Command("start", "Start recording every stream into a new session") { name, op, tags };
        start.SetAction((parse, ct) => EdgeRigCli.Guard(parse, async channel =>
        {
            var request = new StartRecordingRequest { Name = parse.GetValue(name) ?? "", Operator = parse.GetValue(op) ?? "" };
            ParseTags(parse.GetValue(tags), request.Tags);
            var session = await new Rig.RigClient(channel).StartRecordingAsync(request, cancellationToken: ct);
            if (parse.GetValue(EdgeRigCli.Json)) Output.Json(session);
            else Output.Ansi.MarkupLine($"[red bold]●[/] recording session [bold]{Output.Text(session.Id)}[/] \"{Output.Text(session.Name)}\" since {Output.Time(session.StartNs)}");
            return 0;
        }));
        var stop = new Command("stop", "Stop the recording session");
        stop.SetAction((parse, ct) => EdgeRigCli.Guard(parse, async channel =>
        {
            var session = await new Rig.RigClient(channel).StopRecordingAsync(new StopRecordingRequest(), cancellationToken: ct);
            if (parse.GetValue(EdgeRigCli.Json)) { Output.Json(session); return 0; }
            Output.Ansi.MarkupLine($"stopped [bold]{Output.Text(session.Id)}[/] after {Output.Duration(session.StartNs, session.StopNs)}: {session.ChunkCount} chunks, {Output.Bytes(session.StoredBytes)}, {session.Markers.Count} markers");
            ShowCommand.RenderCounts(session);
            return 0;
        }));
        record.Subcommands.Add(start);
        record.Subcommands.Add(stop);
        record.Subcommands.Add(ArmCommand(name, op, tags));
        record.Subcommands.Add(TriggerCommand());
        record.Subcommands.Add(DisarmCommand());
        return record;
    }
}
