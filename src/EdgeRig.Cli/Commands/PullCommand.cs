using System.CommandLine;
using EdgeRig.Api.V1;
using Spectre.Console;

namespace EdgeRig.Cli.Commands;

/// <summary>`edgerig pull ID --out DIR`: a verified, resumable download of a session into DIR/ID.</summary>
internal static class PullCommand
{
    public static Command Create()
    {
        var id = new Argument<string>("id") { Description = "Session id" };
        var outDir = new Option<string>("--out") { Description = "Folder to pull into (the session lands in OUT/ID)", DefaultValueFactory = _ => "." };
        var force = new Option<bool>("--force") { Description = "Pull a session that failed QA (data or admin role)" };
        var command = new Command("pull", "Download a session: every chunk verified by SHA-256, resumable after a broken link") { id, outDir, force };
        command.SetAction((parse, ct) => EdgeRigCli.Guard(parse, async channel =>
        {
            var puller = new SessionPuller(new Sessions.SessionsClient(channel)) { Force = parse.GetValue(force) };
            string sessionId = parse.GetValue(id) ?? "";
            string dir = parse.GetValue(outDir) ?? ".";
            PullResult result;
            if (parse.GetValue(EdgeRigCli.Json) || Console.IsOutputRedirected)
            {
                result = await puller.PullAsync(sessionId, dir, null, ct);
            }
            else
            {
                result = await Output.Ansi.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
                    .StartAsync(async ctx =>
                    {
                        var task = ctx.AddTask($"pull {sessionId}", maxValue: 1);
                        var progress = new Progress<PullProgress>(p =>
                        {
                            task.MaxValue = Math.Max(1, p.BytesTotal);
                            task.Value = p.BytesDone;
                        });
                        var r = await puller.PullAsync(sessionId, dir, progress, ct);
                        task.Value = task.MaxValue;
                        return r;
                    });
            }
            if (!parse.GetValue(EdgeRigCli.Json))
                foreach (var (stream, why) in result.Withheld) Output.Ansi.MarkupLine($"[yellow]withheld[/] {Output.Text(stream)}: {Output.Text(why)}");
            if (parse.GetValue(EdgeRigCli.Json)) Output.Json(result);
            else if (!result.Complete)
                Output.Ansi.MarkupLine($"[yellow]session still recording[/]: {result.Chunks} chunks ({Output.Bytes(result.Bytes)}) verified so far in {Output.Text(result.Folder)}; run the pull again to continue");
            else
                Output.Ansi.MarkupLine($"[green]verified[/] {result.Chunks} chunks, {Output.Bytes(result.Bytes)} in {Output.Text(result.Folder)}" +
                    (result.ResumedFromChunk > 0 ? $" (resumed at chunk {result.ResumedFromChunk})" : "") + $"\nsession sha256 {result.SessionSha256}");
            return 0;
        }));
        return command;
    }
}
