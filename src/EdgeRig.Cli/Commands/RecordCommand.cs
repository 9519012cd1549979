using System.CommandLine;
using EdgeRig.Api.V1;
using Spectre.Console;

namespace EdgeRig.Cli.Commands;

/// <summary>`edgerig record start|stop`.</summary>
internal static class RecordCommand
{
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
            foreach (var tag in parse.GetValue(tags) ?? [])
            {
                int eq = tag.IndexOf('=');
                if (eq <= 0) throw new ArgumentException($"--tag '{tag}' is not key=value");
                request.Tags[tag[..eq]] = tag[(eq + 1)..];
            }
            var session = await new Rig.RigClient(channel).StartRecordingAsync(request, cancellationToken: ct);
            if (parse.GetValue(EdgeRigCli.Json)) Output.Json(session);
            else Output.Ansi.MarkupLine($"[red bold]●[/] recording session [bold]{Markup.Escape(session.Id)}[/] \"{Markup.Escape(session.Name)}\" since {Output.Time(session.StartNs)}");
            return 0;
        }));
        var stop = new Command("stop", "Stop the recording session");
        stop.SetAction((parse, ct) => EdgeRigCli.Guard(parse, async channel =>
        {
            var session = await new Rig.RigClient(channel).StopRecordingAsync(new StopRecordingRequest(), cancellationToken: ct);
            if (parse.GetValue(EdgeRigCli.Json)) { Output.Json(session); return 0; }
            Output.Ansi.MarkupLine($"stopped [bold]{Markup.Escape(session.Id)}[/] after {Output.Duration(session.StartNs, session.StopNs)}: {session.ChunkCount} chunks, {Output.Bytes(session.StoredBytes)}, {session.Markers.Count} markers");
            ShowCommand.RenderCounts(session);
            return 0;
        }));
        record.Subcommands.Add(start);
        record.Subcommands.Add(stop);
        return record;
    }
}
