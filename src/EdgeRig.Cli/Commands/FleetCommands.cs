using System.CommandLine;
using System.Globalization;
using EdgeRig.Core;
using EdgeRig.Upload;
using EdgeRig.Upload.Fleet;
using Spectre.Console;

namespace EdgeRig.Cli.Commands;

/// <summary>
/// `edgerig fleet sessions|pull`: for a data team, every rig's sessions straight from the bucket the rigs upload to (no rig
/// needs to be online). `sessions` lists what the committed manifests say; `pull RIG/SESSION --out DIR` rebuilds the pulled
/// folder in DIR/SESSION with every SHA-256 checked, resumable, so `edgerig export --from-folder` works on it as on a gRPC pull.
/// </summary>
internal static class FleetCommands
{
    public static Command Create()
    {
        var fleet = new Command("fleet", "Every rig's uploaded sessions, straight from the S3 bucket: list them, pull one");
        FleetConnection.AddTo(fleet);
        fleet.Subcommands.Add(Sessions());
        fleet.Subcommands.Add(Pull());
        return fleet;
    }

    private static Command Sessions()
    {
        var rigs = new Option<string[]>("--rig") { Description = "Only this rig (repeatable)" };
        var since = new Option<string?>("--since") { Description = "Only sessions started at or after: ISO-8601 (2026-12-01, 2026-12-01T08:00Z) or an age (12h, 7d)" };
        var until = new Option<string?>("--until") { Description = "Only sessions started before: same forms as --since" };
        var tags = new Option<string[]>("--tag") { Description = "Only sessions with this tag: key or key=value (repeatable: all must match)" };
        var incomplete = new Option<bool>("--incomplete") { Description = "Also list uploads without a manifest (under way or cut off)" };
        var command = new Command("sessions", "List every rig's sessions in the bucket, from their manifests, oldest first") { rigs, since, until, tags, incomplete };
        command.SetAction((parse, ct) => FleetConnection.Guard(parse, async connection =>
        {
            var now = DateTimeOffset.UtcNow;
            var filter = new FleetFilter
            {
                Rigs = [.. (parse.GetValue(rigs) ?? []).Select(r => ObjectLayout.CheckComponent(r, "--rig"))],
                Since = ParseWhen(parse.GetValue(since), "--since", now), Until = ParseWhen(parse.GetValue(until), "--until", now),
                Tags = [.. (parse.GetValue(tags) ?? []).Select(CheckTag)], IncludeIncomplete = parse.GetValue(incomplete),
            };
            using var reader = connection.OpenReader();
            var listing = await new FleetCatalogue(reader, connection.Options).ListAsync(filter, ct);
            if (parse.GetValue(EdgeRigCli.Json)) { Output.Json(listing); return 0; }
            Render(listing, Output.Ansi);
            return 0;
        }));
        return command;
    }

    private static Command Pull()
    {
        var session = new Argument<string>("session") { Description = "RIG/SESSION, as `edgerig fleet sessions` lists it" };
        var outDir = new Option<string>("--out") { Description = "Folder to pull into (the session lands in OUT/SESSION)", DefaultValueFactory = _ => "." };
        var withMcap = new Option<bool>("--with-mcap") { Description = "Also download the session's MCAP export (to OUT/SESSION.mcap), when it was uploaded" };
        var allowPartial = new Option<bool>("--allow-partial") { Description = "Exit 0 when the rig itself could not deliver some chunks (the manifest lists them)" };
        var command = new Command("pull", "Download a session from the bucket: every object's SHA-256 checked, resumable") { session, outDir, withMcap, allowPartial };
        command.SetAction((parse, ct) => FleetConnection.Guard(parse, async connection =>
        {
            var (rig, id) = ParseSessionRef(parse.GetValue(session) ?? "");
            string dir = parse.GetValue(outDir) ?? ".";
            bool json = parse.GetValue(EdgeRigCli.Json);
            var created = PullCommand.FoldersMissing(dir, id);
            using var reader = connection.OpenReader();
            var downloader = new FleetDownloader(reader, connection.Options);
            FleetPullResult result;
            try
            {
                result = await PullAsync(downloader, rig, id, dir, parse.GetValue(withMcap), json || Console.IsOutputRedirected, ct);
            }
            catch
            {
                PullCommand.RemoveIfEmpty(created); // a refused pull leaves no empty OUT/SESSION behind; a partial one stays, to resume
                throw;
            }
            if (json) Output.Json(result);
            else Render(result, parse.GetValue(withMcap));
            if (result.Complete || parse.GetValue(allowPartial)) return 0;
            await Console.Error.WriteLineAsync($"edgerig: {result.Missing.Count} chunks the rig could not deliver are not in this session " +
                $"(the folder's manifest lists them): {Output.Plain(string.Join("; ", result.Missing))}");
            return EdgeRigCli.PartialExitCode;
        }));
        return command;
    }

    private static Task<FleetPullResult> PullAsync(FleetDownloader downloader, string rig, string id, string dir, bool withMcap, bool quiet, CancellationToken ct) =>
        TransferProgress.RunAsync($"pull {Output.Text(rig)}/{Output.Text(id)}", quiet, report => downloader.PullAsync(rig, id, dir, withMcap,
            report is null ? null : new Progress<FleetPullProgress>(p => report(p.BytesDone, p.BytesTotal)), ct));

    /// <summary>"rig-a/20261206-101500-ab12" → (rig-a, 20261206-101500-ab12); each part a key component, so no path escapes OUT.</summary>
    internal static (string Rig, string Session) ParseSessionRef(string text)
    {
        string[] parts = text.Split('/');
        if (parts.Length != 2) throw new ArgumentException($"'{text}' is not RIG/SESSION (e.g. rig-a/20261206-101500-ab12, as `edgerig fleet sessions` lists it)");
        return (ObjectLayout.CheckComponent(parts[0], "RIG/SESSION: the rig"), ObjectLayout.CheckComponent(parts[1], "RIG/SESSION: the session"));
    }

    /// <summary>An ISO-8601 time or date (UTC unless it says otherwise), or an age before <paramref name="now"/>: 90s, 30m, 12h, 7d.</summary>
    internal static DateTimeOffset? ParseWhen(string? text, string option, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        text = text.Trim();
        if (text.Length > 1 && "smhd".Contains(text[^1]) && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out double n) && n >= 0)
            return now - text[^1] switch { 's' => TimeSpan.FromSeconds(n), 'm' => TimeSpan.FromMinutes(n), 'h' => TimeSpan.FromHours(n), _ => TimeSpan.FromDays(n) };
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)) return at;
        throw new ArgumentException($"{option} '{text}' is not an ISO-8601 time (2026-12-01, 2026-12-01T08:00:00Z) or an age (90s, 30m, 12h, 7d)");
    }

    private static string CheckTag(string tag) =>
        tag.Length > 0 && tag[0] != '=' ? tag : throw new ArgumentException($"--tag '{tag}' is not key or key=value");

    /// <summary>The table, the totals and the skipped manifests, on <paramref name="console"/> (tests give one writing to a string).</summary>
    internal static void Render(FleetListing listing, IAnsiConsole console)
    {
        var table = new Table().AddColumns("rig", "id", "name", "operator", "tags", "start", "duration", "size", "qa", "calibration", "uploaded");
        foreach (var s in listing.Sessions)
        {
            if (!s.Committed)
            {
                table.AddRow(Output.Text(s.Rig), Output.Text(s.Id), "[yellow]incomplete: no manifest[/]", "-", "-", "-", "-", "-", "-", "-", "-");
                continue;
            }
            table.AddRow(Output.Text(s.Rig), Output.Text(s.Id), Output.Text(s.Name), Output.Text(s.Operator),
                Output.Text(string.Join(", ", s.Tags.Select(t => $"{t.Key}={t.Value}"))), Output.Time(s.StartNs), Output.Duration(s.StartNs, s.StopNs),
                Output.Bytes(s.Bytes) + (s.MissingChunks > 0 ? $" [red]({s.MissingChunks} chunks missing)[/]" : ""), Output.Verdict(QaVerdicts.Parse(s.QaVerdict)),
                Output.Text(s.Calibration ?? "-"), s.UploadedAt?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "-");
        }
        console.Write(table);
        var committed = listing.Sessions.Where(s => s.Committed).ToList();
        console.MarkupLine($"{committed.Count} sessions from {committed.Select(s => s.Rig).Distinct().Count()} rigs, {Output.Bytes(committed.Sum(s => s.Bytes))}");
        foreach (var p in listing.Skipped) console.MarkupLine($"[yellow]skipped[/] {Output.Text(p.Key)}: {Output.Text(p.Reason)}");
    }


    private static void Render(FleetPullResult r, bool withMcap)
    {
        Output.Ansi.MarkupLine($"{(r.Complete ? "[green]verified[/]" : "[yellow]verified what the rig delivered[/]:")} {r.Objects} objects, {Output.Bytes(r.BytesTotal)} in " +
            $"{Output.Text(r.Folder)} ({r.Downloaded} downloaded, {Output.Bytes(r.BytesDownloaded)}; {r.Skipped} already there)\nsession sha256 {r.SessionSha256}");
        if (r.McapFile is not null) Output.Ansi.MarkupLine($"MCAP export in {Output.Text(r.McapFile)}");
        else if (withMcap) Output.Ansi.MarkupLine("[yellow]no MCAP export was uploaded for this session[/]: make one with `edgerig export --from-folder`");
        foreach (var m in r.Missing) Output.Ansi.MarkupLine($"[red]not in the session[/] {Output.Text(m)}");
    }
}
