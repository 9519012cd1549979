using System.CommandLine;
using EdgeRig.Api.V1;
using Spectre.Console;

namespace EdgeRig.Cli.Commands;

/// <summary>
/// `edgerig pull ID --out DIR`: a verified, resumable download of a session into DIR/ID. Chunks damaged on the rig are named
/// (and listed in the manifest) while the rest is pulled; exit 5 for such a partial pull unless --allow-partial.
/// </summary>
internal static class PullCommand
{
    public static Command Create()
    {
        var id = new Argument<string>("id") { Description = "Session id" };
        var outDir = new Option<string>("--out") { Description = "Folder to pull into (the session lands in OUT/ID)", DefaultValueFactory = _ => "." };
        var force = new Option<bool>("--force") { Description = "Pull a session that failed QA (data or admin role)" };
        var allowPartial = new Option<bool>("--allow-partial")
            { Description = "Exit 0 when chunks damaged on the rig could not be pulled, and confirm the pull to the rig (retention may then delete the session)" };
        var command = new Command("pull", "Download a session: every chunk verified by SHA-256, resumable after a broken link") { id, outDir, force, allowPartial };
        command.SetAction((parse, ct) => EdgeRigCli.Guard(parse, async channel =>
        {
            bool partialAllowed = parse.GetValue(allowPartial);
            var puller = new SessionPuller(new Sessions.SessionsClient(channel)) { Force = parse.GetValue(force), AllowPartial = partialAllowed };
            string sessionId = parse.GetValue(id) ?? "";
            string dir = parse.GetValue(outDir) ?? ".";
            var created = FoldersMissing(dir, sessionId);
            PullResult result;
            try
            {
                result = await PullAsync(puller, sessionId, dir, parse.GetValue(EdgeRigCli.Json) || Console.IsOutputRedirected, ct);
            }
            catch
            {
                RemoveIfEmpty(created); // a refused pull (unknown id, wrong role, failed QA) leaves no empty OUT/ID behind
                throw;
            }
            string profileNote = result.Complete ? await PulledProfile.WriteAsync(channel, sessionId, result.Folder, ct) : "";
            if (!parse.GetValue(EdgeRigCli.Json))
            {
                if (profileNote.Length > 0) Output.Ansi.MarkupLine($"calibration: {Output.Text(profileNote)}");
                foreach (var (stream, why) in result.Withheld) Output.Ansi.MarkupLine($"[yellow]withheld[/] {Output.Text(stream)}: {Output.Text(why)}");
                foreach (var m in result.Missing) Output.Ansi.MarkupLine($"[red]not pulled[/] {Output.Text(m.ToString())}");
                if (result.ConfirmRefused.Length > 0)
                    Output.Ansi.MarkupLine($"[yellow]not confirmed to the rig[/] (it keeps the session until a later pull is confirmed): {Output.Text(result.ConfirmRefused)}");
            }
            if (parse.GetValue(EdgeRigCli.Json)) Output.Json(result);
            else if (!result.Complete)
                Output.Ansi.MarkupLine($"[yellow]session still recording[/]: {result.Chunks} chunks ({Output.Bytes(result.Bytes)}) verified so far in {Output.Text(result.Folder)}; run the pull again to continue");
            else
                Output.Ansi.MarkupLine($"{(result.Missing.Count == 0 ? "[green]verified[/]" : "[yellow]verified what is intact[/]:")} {result.Chunks} chunks, {Output.Bytes(result.Bytes)} in {Output.Text(result.Folder)}" +
                    (result.ResumedFromChunk > 0 ? $" (resumed at chunk {result.ResumedFromChunk})" : "") + $"\nsession sha256 {result.SessionSha256}");
            if (result.Missing.Count == 0 || partialAllowed) return 0;
            await Console.Error.WriteLineAsync($"edgerig: pull incomplete: {result.Missing.Count} chunks damaged on the rig could not be pulled " +
                $"(the folder's manifest lists them; the pull was not confirmed to the rig): {string.Join("; ", result.Missing)}");
            return EdgeRigCli.PartialExitCode;
        }));
        return command;
    }

    private static Task<PullResult> PullAsync(SessionPuller puller, string sessionId, string dir, bool quiet, CancellationToken ct) =>
        TransferProgress.RunAsync($"pull {Output.Text(sessionId)}", quiet, report =>
            puller.PullAsync(sessionId, dir, report is null ? null : new Progress<PullProgress>(p => report(p.BytesDone, p.BytesTotal)), ct));

    /// <summary>OUT and OUT/ID, those of them that do not exist yet (innermost first): what a pull would create.</summary>
    internal static IReadOnlyList<string> FoldersMissing(string outDir, string sessionId)
    {
        var missing = new List<string>();
        string outFull = Path.GetFullPath(outDir);
        // only a well-formed id names a folder (the puller refuses the rest before creating anything)
        if (sessionId.Length > 0 && sessionId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            string folder = Path.Combine(outFull, sessionId);
            if (!Directory.Exists(folder)) missing.Add(folder);
        }
        if (!Directory.Exists(outFull)) missing.Add(outFull);
        return missing;
    }

    /// <summary>Removes the folders a failed pull created, as long as nothing was written into them (a partial pull is kept to resume).</summary>
    internal static void RemoveIfEmpty(IReadOnlyList<string> created)
    {
        foreach (string folder in created)
        {
            try
            {
                if (Directory.Exists(folder) && !Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Any())
                    Directory.Delete(folder, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* leave it; the pull's own error is what to report */ }
        }
    }
}
