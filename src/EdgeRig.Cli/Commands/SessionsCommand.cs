using System.CommandLine;
using EdgeRig.Api.V1;
using Spectre.Console;

namespace EdgeRig.Cli.Commands;

/// <summary>`edgerig sessions`: the recorded sessions, newest last.</summary>
internal static class SessionsCommand
{
    public static Command Create()
    {
        var command = new Command("sessions", "List recorded sessions");
        command.SetAction((parse, ct) => EdgeRigCli.Guard(parse, async channel =>
        {
            var reply = await new Sessions.SessionsClient(channel).ListSessionsAsync(new ListSessionsRequest(), cancellationToken: ct);
            if (parse.GetValue(EdgeRigCli.Json)) { Output.Json(reply); return 0; }
            var table = new Table().AddColumns("id", "name", "operator", "start", "duration", "state", "size", "markers", "dropped", "pulled");
            foreach (var s in reply.Sessions)
                table.AddRow(Output.Text(s.Id), Output.Text(s.Name), Output.Text(s.Operator), Output.Time(s.StartNs),
                    Output.Duration(s.StartNs, s.StopNs), s.State == "Recording" ? "[red]recording[/]" : Output.Text(s.State.ToLowerInvariant()),
                    Output.Bytes(s.StoredBytes), s.Markers.Count.ToString(), s.Counts.Values.Sum(c => c.Dropped).ToString(),
                    s.PulledAtMs > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(s.PulledAtMs).ToString("yyyy-MM-dd HH:mm") : "-");
            Output.Ansi.Write(table);
            return 0;
        }));
        return command;
    }
}
