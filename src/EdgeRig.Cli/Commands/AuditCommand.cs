using System.CommandLine;
using EdgeRig.Api.V1;
using Spectre.Console;

namespace EdgeRig.Cli.Commands;

/// <summary>`edgerig audit [--session ID] [--limit N]`: who did what to which session, newest first.</summary>
internal static class AuditCommand
{
    public static Command Create()
    {
        var session = new Option<string>("--session") { Description = "Only this session", DefaultValueFactory = _ => "" };
        var limit = new Option<int>("--limit") { Description = "How many entries", DefaultValueFactory = _ => 100 };
        var command = new Command("audit", "Show the audit trail (admin role)") { session, limit };
        command.SetAction((parse, ct) => EdgeRigCli.Guard(parse, async channel =>
        {
            var reply = await new Admin.AdminClient(channel).ListAuditAsync(
                new ListAuditRequest { SessionId = parse.GetValue(session) ?? "", Limit = parse.GetValue(limit) }, cancellationToken: ct);
            if (parse.GetValue(EdgeRigCli.Json)) { Output.Json(reply); return 0; }
            var table = new Table().AddColumns("time", "who", "action", "session", "result");
            foreach (var e in reply.Entries)
                table.AddRow(AdminCommand.Ms(e.AtMs), Output.Text(e.Who), Output.Text(e.Action), Output.Text(e.SessionId),
                    e.Succeeded ? "[green]ok[/]" : $"[red]{Output.Text(e.Detail)}[/]");
            Output.Ansi.Write(table);
            return 0;
        }));
        return command;
    }
}
