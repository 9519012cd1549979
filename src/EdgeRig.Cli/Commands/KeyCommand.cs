using System.CommandLine;
using EdgeRig.Api.V1;
using Spectre.Console;

namespace EdgeRig.Cli.Commands;

/// <summary>`edgerig key rotate`: a new data key for sessions recorded from now on (admin).</summary>
internal static class KeyCommand
{
    public static Command Create()
    {
        var command = new Command("key", "The rig's data key (encryption at rest)");
        var rotate = new Command("rotate", "Make a new data key for new sessions; old sessions keep theirs");
        rotate.SetAction((parse, ct) => EdgeRigCli.Guard(parse, async channel =>
        {
            var reply = await new Privacy.PrivacyClient(channel).RotateKeyAsync(new RotateKeyRequest(), cancellationToken: ct);
            if (parse.GetValue(EdgeRigCli.Json)) Output.Json(reply);
            else Output.Ansi.MarkupLine($"new sessions are encrypted with key [bold]{Output.Text(reply.KeyId)}[/] ({reply.Keys} keys in the ring)");
            return 0;
        }));
        command.Subcommands.Add(rotate);
        return command;
    }
}
