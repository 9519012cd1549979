using System.CommandLine;
using EdgeRig.Api.V1;
using Spectre.Console;

namespace EdgeRig.Cli.Commands;

/// <summary>`edgerig delete ID [--force]`: frees a session's space on the rig.</summary>
internal static class DeleteCommand
{
    public static Command Create()
    {
        var id = new Argument<string>("id") { Description = "Session id" };
        var force = new Option<bool>("--force") { Description = "Delete even if no verified pull of the session was confirmed" };
        var command = new Command("delete", "Delete a finished session and its files on the rig") { id, force };
        command.SetAction((parse, ct) => EdgeRigCli.Guard(parse, async channel =>
        {
            var reply = await new Sessions.SessionsClient(channel).DeleteSessionAsync(
                new DeleteSessionRequest { SessionId = parse.GetValue(id) ?? "", Force = parse.GetValue(force) }, cancellationToken: ct);
            if (parse.GetValue(EdgeRigCli.Json)) Output.Json(reply);
            else Output.Ansi.MarkupLine($"deleted {Output.Text(reply.SessionId)}, freed {Output.Bytes(reply.FreedBytes)}");
            return 0;
        }));
        return command;
    }
}
