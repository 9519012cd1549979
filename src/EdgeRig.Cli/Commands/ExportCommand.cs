using EdgeRig.Calibration.Profiles;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using EdgeRig.Api.V1;
using EdgeRig.Core;
using EdgeRig.Export;
using EdgeRig.Export.SessionMcap;
using Grpc.Net.Client;
using Spectre.Console;

namespace EdgeRig.Cli.Commands;

/// <summary>
/// `edgerig export ID --format mcap --out FILE` (streamed from the rig) or `edgerig export --from-folder DIR ...` (offline, from a
/// pulled session); `--format dataset --out DIR` writes an aligned Parquet dataset (a rig session is pulled to a temp folder first).
/// By session id either format applies what the rig's own export would: --calibration if given, else the profile the session is
/// recorded with ("none": raw rig time); a dataset's metadata.json names which. Exit 5 when chunks were missing or corrupt (the output holds the rest and says so) unless --allow-partial.
/// </summary>
internal static class ExportCommand
{
    /// <summary>The --json summary of an export.</summary>
    public sealed record ExportReport(string SessionId, string File, string Format, string Source, long Bytes, string Sha256,
        IReadOnlyDictionary<string, long> MessageCounts, IReadOnlyList<string> MissingChunks, bool Complete, double Seconds)
    {
        /// <summary>Streams the rig left out, with why (no consent).</summary>
        public IReadOnlyDictionary<string, string> Withheld { get; init; } = new Dictionary<string, string>();
        /// <summary>Camera frames whose faces the rig blurred on the way out.</summary>
        public int FramesRedacted { get; init; }
    }

    /// <summary>The --json summary of a dataset export.</summary>
    public sealed record DatasetReport(string SessionId, string Folder, string Format, string Source, string Reference, double ToleranceMs, long Bytes,
        string Sha256, IReadOnlyDictionary<string, long> Rows, IReadOnlyDictionary<string, long> MatchesInTolerance, IReadOnlyList<string> MissingChunks,
        bool Complete, double Seconds)
    {
        /// <summary>The calibration applied and why (metadata.json's calibration.source).</summary>
        public string Calibration { get; init; } = "";
    }

    private sealed record Request(string? Id, string? Folder, string Out, string[] Streams, string? From, string? To, string Compression,
        string? Reference = null, double? ToleranceMs = null, string? Calibration = null)
    {
        public bool Force { get; init; }
        public bool AllowPartial { get; init; }
        public bool Overwrite { get; init; }
    }

    public static Command Create()
    {
        var id = new Argument<string?>("id") { Description = "Session id on the rig (omit with --from-folder)", Arity = ArgumentArity.ZeroOrOne };
        var folder = new Option<string?>("--from-folder") { Description = "Export a pulled session folder offline (DIR/ID from `edgerig pull`)" };
        var format = new Option<string>("--format") { Description = "Output format: mcap (one file) or dataset (aligned Parquet folder)", DefaultValueFactory = _ => "mcap" };
        var outFile = new Option<string>("--out") { Description = "File (mcap) or folder (dataset) to write", Required = true };
        var reference = new Option<string?>("--reference") { Description = "dataset: the stream whose samples are the rows (default: the first camera)" };
        var tolerance = new Option<double?>("--tolerance-ms") { Description = "dataset: largest |time difference| of an aligned match (default: half the reference period)" };
        var streams = new Option<string?>("--streams") { Description = "Comma-separated stream ids (default: all)" };
        var from = new Option<string?>("--from") { Description = "Start: rig-time ns, ISO-8601 UTC time, or +SECONDS after the session start" };
        var to = new Option<string?>("--to") { Description = "End (inclusive), same forms as --from" };
        var compression = new Option<string>("--compression") { Description = "MCAP chunk compression: zstd, lz4 or none", DefaultValueFactory = _ => "zstd" };
        var allowPartial = new Option<bool>("--allow-partial") { Description = "Exit 0 even when some chunks were missing or corrupt" };
        var calibration = new Option<string?>("--calibration")
        { Description = "Apply a calibration profile to the times: NAME or NAME@VERSION on the rig, or a profile file (from `calibration show --export`)" };
        var force = new Option<bool>("--force") { Description = "Export a session that failed QA (data or admin role)" };
        var overwrite = new Option<bool>("--overwrite") { Description = "mcap: replace the --out file if it exists" };
        var command = new Command("export", "Export a session to MCAP (opens in Foxglove), from the rig or from a pulled folder")
            { id, folder, format, outFile, streams, from, to, compression, allowPartial, reference, tolerance, calibration, force, overwrite };
        command.SetAction((parse, ct) => EdgeRigCli.Guard(parse, async channel =>
        {
            string outputFormat = parse.GetValue(format) ?? "mcap";
            if (outputFormat is not ("mcap" or "dataset")) throw new ArgumentException($"--format '{outputFormat}' is not supported; use mcap or dataset");
            var request = new Request(parse.GetValue(id), parse.GetValue(folder), parse.GetValue(outFile)!,
                (parse.GetValue(streams) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                parse.GetValue(from), parse.GetValue(to), parse.GetValue(compression) ?? "zstd", parse.GetValue(reference), parse.GetValue(tolerance),
                parse.GetValue(calibration)) { Force = parse.GetValue(force), AllowPartial = parse.GetValue(allowPartial), Overwrite = parse.GetValue(overwrite) };
            // from the rig, MCAP: the rig applies the profile; from a folder the CLI fetches (or reads) it and applies it here;
            // a dataset works out its own (by id: the session's recorded profile unless --calibration says otherwise)
            var profile = request.Calibration is { } cal && outputFormat == "mcap" && request.Folder is not null
                ? await ResolveProfileAsync(cal, channel, ct) : null;
            if ((request.Id is null) == (request.Folder is null)) throw new ArgumentException("give either a session ID or --from-folder DIR");
            if (outputFormat == "mcap") CheckOutFile(request.Out, request.Overwrite, request.Id ?? "session");
            bool json = parse.GetValue(EdgeRigCli.Json);
            if (outputFormat == "dataset")
            {
                var dataset = await WithProgressAsync(request.Id ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(request.Folder!)), json,
                    report => DatasetAsync(request, channel, report, ct));
                if (json) Output.Json(dataset);
                else Render(dataset);
                return await ExitCodeAsync(dataset.Complete, parse.GetValue(allowPartial), dataset.MissingChunks);
            }
            var report = await WithProgressAsync(request.Id ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(request.Folder!)), json,
                report => request.Folder is { } dir ? Task.Run(() => FromFolderAsync(request, dir, profile, report, ct), ct) : FromRigAsync(request, channel, report, ct));
            if (json) Output.Json(report);
            else Render(report);
            return await ExitCodeAsync(report.Complete, parse.GetValue(allowPartial), report.MissingChunks);
        }));
        return command;
    }

    private static async Task<int> ExitCodeAsync(bool complete, bool allowPartial, IReadOnlyList<string> missing)
    {
        if (complete || allowPartial) return 0;
        await Console.Error.WriteLineAsync($"edgerig: export incomplete: {missing.Count} chunks missing or corrupt: {Output.Plain(string.Join("; ", missing))}");
        return EdgeRigCli.PartialExitCode;
    }

    /// <summary>A profile file, or NAME[@VERSION] fetched from the rig; null for "none" (raw rig time).</summary>
    private static async Task<CalibrationProfile?> ResolveProfileAsync(string value, GrpcChannel channel, CancellationToken ct)
    {
        if (value == "none") return null;
        if (File.Exists(value)) return CalibrationProfile.FromJson(await File.ReadAllTextAsync(value, ct));
        if (!ProfileReference.TryParse(value, out var reference, out string? error)) throw new ArgumentException($"--calibration {error}");
        return CalibrationProfile.FromJson(await PulledProfile.FetchJsonAsync(channel, reference, ct));
    }

    /// <summary>
    /// The dataset's calibration, as the rig's own export would choose it: --calibration if given (a profile on the rig, a file,
    /// or "none"); by session id, else the profile the session is recorded with; from a folder, else none (a pulled folder does
    /// not say which profile the rig would apply). The source names the profile and why.
    /// </summary>
    private static async Task<(CalibrationProfile? Profile, string Source)> DatasetProfileAsync(Request r, GrpcChannel channel, CancellationToken ct)
    {
        if (r.Calibration is { } asked)
        {
            var chosen = await ResolveProfileAsync(asked, channel, ct);
            return (chosen, chosen is null ? "none (--calibration none)" : $"{chosen.Name}@{chosen.Version} (--calibration {asked})");
        }
        if (r.Id is null)
            return PulledProfile.Read(r.Folder!) is { } carried
                ? (carried, $"{carried.Name}@{carried.Version} (the pulled folder's {PulledProfile.FileName})")
                : (null, $"none (the pulled folder has no {PulledProfile.FileName}; give --calibration)");
        var session = await new Sessions.SessionsClient(channel).GetSessionAsync(new GetSessionRequest { SessionId = r.Id }, cancellationToken: ct);
        if (session.Calibration.Length == 0 || session.Calibration == "none") return (null, "none (the session is recorded without a calibration profile)");
        var recorded = await ResolveProfileAsync(session.Calibration, channel, ct);
        return (recorded, $"{recorded!.Name}@{recorded.Version} (the session's recorded profile)");
    }

    /// <summary>The profile as the rig applies it when it reads the session (same rounding, same device check); none without one.</summary>
    private static SessionCalibration CalibrationOf(CalibrationProfile? profile, string source, SessionRecord record)
    {
        if (profile is null) return SessionCalibration.None(source);
        try { return CalibrationApplier.ForSession(profile, record, source); }
        catch (InvalidOperationException e) { throw new ArgumentException($"--calibration: {e.Message}"); }
    }

    /// <summary>A dataset from a pulled folder, or from the rig by pulling the session into a temp folder first (first half of the progress).</summary>
    private static async Task<DatasetReport> DatasetAsync(Request r, GrpcChannel channel, Action<double> report, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var (profile, calibrationSource) = await DatasetProfileAsync(r, channel, ct);
        string? temp = r.Folder is null ? Path.Combine(Path.GetTempPath(), $"edgerig-export-{Guid.NewGuid():N}") : null;
        try
        {
            string folder = r.Folder ?? (await new SessionPuller(new Sessions.SessionsClient(channel)) { Force = r.Force, AllowPartial = r.AllowPartial }.PullAsync(r.Id!, temp!,
                new Progress<PullProgress>(p => report(0.5 * p.BytesDone / Math.Max(1, p.BytesTotal))), ct)).Folder;
            var source = new PulledFolderSessionSource(folder);
            var options = Options(r, source.Record, CalibrationOf(profile, calibrationSource, source.Record)) with
            {
                Format = SessionExportFormat.Dataset, Reference = r.Reference, Tolerance = r.ToleranceMs is { } ms ? Duration.FromMilliseconds(ms) : null,
            };
            double offset = temp is null ? 0 : 0.5;
            var result = await SessionExport.Prepare(source, options).WriteDatasetAsync(r.Out, new Progress<double>(p => report(offset + (1 - offset) * p)), ct);
            return new DatasetReport(result.SessionId, result.Folder, "dataset", temp is null ? "folder" : "rig (pulled)", result.Reference,
                result.Tolerance.Nanoseconds / 1e6, result.Bytes, result.Sha256, result.Rows, result.MatchesInTolerance,
                result.Problems.Select(p => p.ToString()).ToList(), result.Complete, clock.Elapsed.TotalSeconds) { Calibration = options.Calibration!.Source };
        }
        finally
        {
            if (temp is not null && Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
    }

    private static async Task<ExportReport> FromRigAsync(Request r, GrpcChannel channel, Action<double> report, CancellationToken ct)
    {
        var client = new Sessions.SessionsClient(channel);
        var session = await client.GetSessionAsync(new GetSessionRequest { SessionId = r.Id }, cancellationToken: ct);
        var request = new ExportSessionRequest
        {
            SessionId = r.Id, Format = "mcap", Compression = r.Compression, Calibration = r.Calibration ?? "", Force = r.Force,
            FromNs = ParseTime(r.From, session.StartNs, "--from") ?? 0, ToNs = ParseTime(r.To, session.StartNs, "--to") ?? 0,
        };
        request.Streams.AddRange(r.Streams);
        var clock = Stopwatch.StartNew();
        var summary = await WriteViaPartAsync(r.Out, r.Overwrite, async file =>
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            ExportSummary? last = null;
            using var call = client.ExportSession(request, cancellationToken: ct);
            while (await call.ResponseStream.MoveNext(ct))
            {
                var piece = call.ResponseStream.Current;
                sha.AppendData(piece.Data.Span);
                await file.WriteAsync(piece.Data.Memory, ct);
                report(piece.Progress);
                last = piece.Summary ?? last;
            }
            if (last is null) throw new InvalidDataException("the rig ended the export without its summary");
            string got = Convert.ToHexStringLower(sha.GetHashAndReset());
            if (got != last.Sha256 || file.Length != last.Bytes)
                throw new InvalidDataException($"export of '{r.Id}' arrived damaged: {file.Length} bytes, SHA-256 {got}; the rig sent {last.Bytes} bytes, {last.Sha256}");
            return last;
        });
        return new ExportReport(r.Id!, Path.GetFullPath(r.Out), "mcap", "rig", summary.Bytes, summary.Sha256, summary.MessageCounts.ToDictionary(),
            summary.Problems.Select(p => $"{p.Stream}/{p.Index} {p.Kind}: {p.Reason}").ToList(), summary.Problems.Count == 0, clock.Elapsed.TotalSeconds)
            { Withheld = summary.Withheld.ToDictionary(), FramesRedacted = summary.FramesRedacted };
    }

    private static async Task<ExportReport> FromFolderAsync(Request r, string dir, CalibrationProfile? profile, Action<double> report, CancellationToken ct)
    {
        var source = new PulledFolderSessionSource(dir);
        var carried = r.Calibration is null ? PulledProfile.Read(dir) : null;
        var calibration = profile is not null ? CalibrationOf(profile, $"{profile.Name}@{profile.Version} (--calibration {r.Calibration})", source.Record)
            : carried is not null ? CalibrationOf(carried, $"{carried.Name}@{carried.Version} (the pulled folder's {PulledProfile.FileName})", source.Record) : null;
        var export = SessionExport.Prepare(source, Options(r, source.Record, calibration) with { Compression = SessionMcapOptions.ParseCompression(r.Compression) });
        var clock = Stopwatch.StartNew();
        var result = await WriteViaPartAsync(r.Out, r.Overwrite, file => Task.FromResult(export.WriteMcap(file, new Progress<double>(report), ct)));
        return new ExportReport(result.SessionId, Path.GetFullPath(r.Out), "mcap", "folder", result.Bytes, result.Sha256, result.MessageCounts,
            result.Problems.Select(p => p.ToString()).ToList(), result.Complete, clock.Elapsed.TotalSeconds);
    }

    /// <summary>What both formats take from the command line: the streams, the time range (relative to the session's start) and the calibration.</summary>
    private static SessionExportOptions Options(Request r, SessionRecord record, SessionCalibration? calibration)
    {
        long start = record.Session.Start.Nanoseconds;
        return new SessionExportOptions
        {
            Streams = r.Streams,
            From = ParseTime(r.From, start, "--from") is { } f ? new RigTime(f) : null,
            To = ParseTime(r.To, start, "--to") is { } t ? new RigTime(t) : null,
            Calibration = calibration,
        };
    }

    /// <summary>Refuses an MCAP --out that is a directory, or an existing file unless --overwrite, before anything is asked of the rig.</summary>
    internal static void CheckOutFile(string output, bool overwrite, string sessionId)
    {
        if (Directory.Exists(output))
            throw new ArgumentException($"--out '{output}' is a directory; give the file to write, e.g. {Path.Combine(output, sessionId + ".mcap")}");
        if (File.Exists(output) && !overwrite)
            throw new ArgumentException($"--out '{output}' exists; give --overwrite to replace it");
    }

    /// <summary>
    /// Writes an export into a new OUT.XXXXXXXX.part beside OUT and moves it into place only when whole (replacing OUT only with
    /// --overwrite); a refused, failed or cancelled export leaves no part file behind.
    /// </summary>
    internal static async Task<T> WriteViaPartAsync<T>(string output, bool overwrite, Func<FileStream, Task<T>> write)
    {
        string part = $"{output}.{RandomNumberGenerator.GetHexString(8, lowercase: true)}.part";
        try
        {
            T result;
            await using (var file = new FileStream(part, FileMode.CreateNew, FileAccess.ReadWrite))
                result = await write(file);
            File.Move(part, output, overwrite);
            return result;
        }
        catch
        {
            File.Delete(part);
            throw;
        }
    }

    /// <summary>Rig-time ns from "1750000000000000000", "2026-01-01T10:00:00.5Z" or "+1.5" (seconds after the session start).</summary>
    internal static long? ParseTime(string? text, long sessionStartNs, string option)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (text.StartsWith('+') && double.TryParse(text.AsSpan(1).TrimEnd('s'), NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds))
            return sessionStartNs + (long)Math.Round(seconds * 1e9);
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long ns)) return ns;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)) return RigTime.FromDateTimeOffset(at).Nanoseconds;
        throw new ArgumentException($"{option} '{text}' is not rig-time ns, an ISO-8601 time or +SECONDS");
    }

    private static async Task<T> WithProgressAsync<T>(string label, bool json, Func<Action<double>, Task<T>> export)
    {
        if (json || Console.IsOutputRedirected) return await export(_ => { });
        return await Output.Ansi.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask($"export {Output.Text(label)}", maxValue: 1);
                var report = await export(p => task.Value = Math.Clamp(p, 0, 1));
                task.Value = 1;
                return report;
            });
    }

    private static void Render(ExportReport r)
    {
        var ansi = Output.Ansi;
        ansi.MarkupLine($"{(r.Complete ? "[green]exported[/]" : "[yellow]exported what is intact[/]")} {Output.Text(r.SessionId)} to {Output.Text(r.File)}: " +
            $"{Output.Bytes(r.Bytes)} in {r.Seconds:0.00} s ({r.Bytes / 1e6 / Math.Max(r.Seconds, 1e-9):0.0} MB/s)\nsha256 {r.Sha256}");
        var table = new Table().AddColumns("topic", "messages");
        foreach (var (topic, n) in r.MessageCounts) table.AddRow(Output.Text(topic), n.ToString(CultureInfo.InvariantCulture));
        ansi.Write(table);
        foreach (var m in r.MissingChunks) ansi.MarkupLine($"[red]not exported[/] {Output.Text(m)}");
        foreach (var (stream, why) in r.Withheld) ansi.MarkupLine($"[yellow]withheld[/] {Output.Text(stream)}: {Output.Text(why)}");
        if (r.FramesRedacted > 0) ansi.MarkupLine($"faces blurred in {r.FramesRedacted} camera frames on the way out");
    }

    private static void Render(DatasetReport r)
    {
        var ansi = Output.Ansi;
        ansi.MarkupLine($"{(r.Complete ? "[green]exported dataset[/]" : "[yellow]exported what is intact (metadata.json says complete: false)[/]")} " +
            $"{Output.Text(r.SessionId)} to {Output.Text(r.Folder)}: {Output.Bytes(r.Bytes)} in {r.Seconds:0.00} s\n" +
            $"reference {Output.Text(r.Reference)}, tolerance {r.ToleranceMs:0.###} ms, calibration {Output.Text(r.Calibration)}, digest {r.Sha256}");
        var tables = new Table().AddColumns("table", "rows");
        foreach (var (table, n) in r.Rows) tables.AddRow(Output.Text(table), n.ToString(CultureInfo.InvariantCulture));
        ansi.Write(tables);
        long frames = r.Rows.GetValueOrDefault("frames.parquet");
        var matches = new Table().AddColumns("stream", "frames matched within tolerance");
        foreach (var (stream, n) in r.MatchesInTolerance) matches.AddRow(Output.Text(stream), $"{n} of {frames}");
        ansi.Write(matches);
        foreach (var m in r.MissingChunks) ansi.MarkupLine($"[red]not exported[/] {Output.Text(m)}");
    }
}
