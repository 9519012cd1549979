using System.CommandLine;
using EdgeRig.Api.V1;
using Spectre.Console;

namespace EdgeRig.Cli.Commands;

/// <summary>`edgerig devices`: what the board has next to what the rig file expects.</summary>
internal static class DevicesCommand
{
    public static Command Create()
    {
        var command = new Command("devices", "List the board's video, audio, serial, I2C and GPIO devices next to what the rig file expects");
        command.SetAction((parse, ct) => EdgeRigCli.Guard(parse, async channel =>
        {
            var reply = await new Rig.RigClient(channel).ListDevicesAsync(new ListDevicesRequest(), cancellationToken: ct);
            if (parse.GetValue(EdgeRigCli.Json)) { Output.Json(reply); return 0; }
            var table = new Table().AddColumns("kind", "device", "rig device", "status", "detail");
            foreach (var d in reply.Devices)
                table.AddRow(Output.Text(d.Category), Output.Text(d.Name), Output.Text(d.DeviceId), d.Status switch
                {
                    "Present" => "[green]present[/]",
                    "Missing" => "[red]MISSING[/]",
                    "Simulated" => "[grey]simulated[/]",
                    _ => "unused",
                }, Output.Text(d.Detail));
            Output.Ansi.Write(table);
            return reply.Devices.Any(d => d.Status == "Missing") ? 4 : 0;
        }));
        return command;
    }
}
