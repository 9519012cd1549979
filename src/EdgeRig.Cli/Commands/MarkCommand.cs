using System.CommandLine;
using EdgeRig.Api.V1;
using Spectre.Console;

namespace EdgeRig.Cli.Commands;

/// <summary>`edgerig mark LABEL [--note TEXT]`.</summary>
internal static class MarkCommand
{
    public static Command Create()
    {
        var label = new Argument<string>("label") { Description = "What happened" };
        var note = new Option<string>("--note") { Description = "A longer note", DefaultValueFactory = _ => "" };
        var command = new Command("mark", "Drop a marker into the recording session at the current rig time") { label, note };
        command.SetAction((parse, ct) => EdgeRigCli.Guard(parse, async channel =>
        {
            var marker = await new Rig.RigClient(channel).AddMarkerAsync(
                new AddMarkerRequest { Label = parse.GetValue(label) ?? "", Note = parse.GetValue(note) ?? "" }, cancellationToken: ct);
            if (parse.GetValue(EdgeRigCli.Json)) Output.Json(marker);
            else Output.Ansi.MarkupLine($"marker \"{Output.Text(marker.Label)}\" at {Output.Time(marker.TimeNs)}");
            return 0;
        }));
        return command;
    }
}
