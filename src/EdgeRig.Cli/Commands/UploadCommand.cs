using System.CommandLine;
using EdgeRig.Api.V1;
using Grpc.Core;
using Spectre.Console;

namespace EdgeRig.Cli.Commands;

/// <summary>`edgerig upload status|retry|release|pause|resume`: the rig's queue of finished sessions on their way to the bucket.</summary>
internal static class UploadCommand
{
    public static Command Create()
    {
        var command = new Command("upload", "The rig's upload queue: finished sessions on their way to S3-compatible storage (README \"Fleet upload\")");
        command.Subcommands.Add(Status());
        command.Subcommands.Add(OnSession("retry", "Try a failed session again now", (c, r, ct) => c.RetryUploadAsync(r, cancellationToken: ct)));
        command.Subcommands.Add(OnSession("release", "Let a held session (failed QA) be uploaded (admin)", (c, r, ct) => c.ReleaseUploadAsync(r, cancellationToken: ct)));
        command.Subcommands.Add(OnQueue("pause", "Stop uploading; the current upload resumes later from what the bucket has",
            (c, ct) => c.PauseUploadsAsync(new PauseUploadsRequest(), cancellationToken: ct)));
        command.Subcommands.Add(OnQueue("resume", "Start uploading again", (c, ct) => c.ResumeUploadsAsync(new ResumeUploadsRequest(), cancellationToken: ct)));
        return command;
    }

    private static Command Status()
    {
        var command = new Command("status", "Every session in the queue: state, progress, rate, ETA, and why it is held or failed");
        command.SetAction((parse, ct) => EdgeRigCli.Guard(parse, async channel =>
        {
            var status = await new Api.V1.Upload.UploadClient(channel).GetUploadStatusAsync(new GetUploadStatusRequest(), cancellationToken: ct);
            if (parse.GetValue(EdgeRigCli.Json)) Output.Json(status);
            else Render(status);
            return 0;
        }));
        return command;
    }

    private static Command OnSession(string name, string description, Func<Api.V1.Upload.UploadClient, UploadSessionRequest, CancellationToken, AsyncUnaryCall<UploadEntryInfo>> call)
    {
        var id = new Argument<string>("id") { Description = "Session id" };
        var command = new Command(name, description) { id };
        command.SetAction((parse, ct) => EdgeRigCli.Guard(parse, async channel =>
        {
            var entry = await call(new Api.V1.Upload.UploadClient(channel), new UploadSessionRequest { SessionId = parse.GetValue(id) ?? "" }, ct);
            if (parse.GetValue(EdgeRigCli.Json)) Output.Json(entry);
            else Output.Ansi.MarkupLine($"{Output.Text(entry.SessionId)}: {State(entry.State)} {Output.Text(entry.Reason)}");
            return 0;
        }));
        return command;
    }

    private static Command OnQueue(string name, string description, Func<Api.V1.Upload.UploadClient, CancellationToken, AsyncUnaryCall<UploadStatus>> call)
    {
        var command = new Command(name, description);
        command.SetAction((parse, ct) => EdgeRigCli.Guard(parse, async channel =>
        {
            var status = await call(new Api.V1.Upload.UploadClient(channel), ct);
            if (parse.GetValue(EdgeRigCli.Json)) Output.Json(status);
            else Output.Ansi.MarkupLine($"uploads {(status.Paused ? "[yellow]paused[/]" : "[green]running[/]")} to {Output.Text(status.Destination)}");
            return 0;
        }));
        return command;
    }

    internal static string State(string state) => state switch
    {
        "uploaded" => "[green]uploaded[/]",
        "uploading" => "[blue]uploading[/]",
        "held" => "[yellow]held[/]",
        "failed" => "[red]failed[/]",
        _ => Output.Text(state),
    };

    /// <summary>One line for `edgerig status`.</summary>
    internal static string Summary(UploadStatus s)
    {
        if (!s.Configured) return "upload: [grey]not configured[/] (rig file: upload)";
        string counts = string.Join(", ", s.Counts.Where(kv => kv.Value > 0).OrderBy(kv => kv.Key).Select(kv => $"{kv.Value} {kv.Key}"));
        string current = s.CurrentSession.Length > 0 ? $", now {Output.Text(s.CurrentSession)} at {Output.Bytes((long)s.RateBytesPerSecond)}/s" : "";
        return $"upload: {(s.Paused ? "[yellow]paused[/]" : "running")}, backlog {Output.Bytes(s.BacklogBytes)}{current}" +
            (counts.Length > 0 ? $" ({Output.Text(counts)})" : "") + $" to {Output.Text(s.Destination)}";
    }

    private static void Render(UploadStatus s)
    {
        var ansi = Output.Ansi;
        ansi.MarkupLine(Summary(s));
        if (!s.Configured) return;
        if (s.Sessions.Count == 0) { ansi.MarkupLine("[grey]no finished sessions yet[/]"); return; }
        var table = new Table().AddColumns("session", "state", "progress", "rate", "ETA", "tries", "reason");
        foreach (var e in s.Sessions)
        {
            string progress = e.BytesTotal > 0 ? $"{Output.Bytes(e.BytesDone)} / {Output.Bytes(e.BytesTotal)}" : "-";
            string rate = e.RateBytesPerSecond > 0 ? $"{Output.Bytes((long)e.RateBytesPerSecond)}/s" : "-";
            string eta = e.EtaSeconds > 0 ? $"{e.EtaSeconds:0} s" : "-";
            string reason = e.Reason + (e.Withheld.Count > 0 ? $" [withheld: {string.Join(", ", e.Withheld.Keys)}]" : "") + (e.RigCopyDeleted ? " [rig copy deleted]" : "");
            table.AddRow(Output.Text(e.SessionId), State(e.State), progress, rate, eta, e.Attempts.ToString(), Output.Text(reason));
        }
        ansi.Write(table);
    }
}
