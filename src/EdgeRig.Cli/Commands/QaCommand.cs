using System.CommandLine;
using System.Text.Json;
using EdgeRig.Api.V1;
using EdgeRig.Core;
using Spectre.Console;

namespace EdgeRig.Cli.Commands;

/// <summary>`edgerig qa ID`: the session's QA report (live while it records, final after stop) with its gates.</summary>
internal static class QaCommand
{
    public static Command Create()
    {
        var id = new Argument<string>("id") { Description = "Session id" };
        var command = new Command("qa", "Show a session's QA report: per-stream health, signal checks, and the pass/warn/fail gates") { id };
        command.SetAction((parse, ct) => EdgeRigCli.Guard(parse, async channel =>
        {
            var reply = await new Sessions.SessionsClient(channel).GetQaReportAsync(new GetQaReportRequest { SessionId = parse.GetValue(id) ?? "" }, cancellationToken: ct);
            if (parse.GetValue(EdgeRigCli.Json))
            {
                Console.Out.WriteLine(reply.Json);
                return 0;
            }
            Render(reply);
            return reply.Verdict == Api.V1.Verdict.Fail ? 4 : 0;
        }));
        return command;
    }

    /// <summary>A verdict from the report's JSON; unknown text is shown as it came (escaped).</summary>
    private static string Verdict(string v) => QaVerdicts.Parse(v) is { } verdict ? Output.Verdict(verdict) : Output.Text(v);

    private static void Render(QaReportInfo reply)
    {
        var ansi = Output.Ansi;
        ansi.MarkupLine($"QA of {Output.Text(reply.SessionId)}: {Output.Verdict(Output.FromApi(reply.Verdict))}{(reply.Final ? "" : " (live: recording still going)")}");
        using var doc = JsonDocument.Parse(reply.Json);
        var root = doc.RootElement;
        if (root.TryGetProperty("streams", out var streams))
        {
            var table = new Table().AddColumns("stream", "verdict", "recorded", "dropped", "rate", "gaps", "jitter p99", "sync p99", "checks not passed");
            foreach (var s in streams.EnumerateArray())
            {
                var gaps = s.TryGetProperty("gaps", out var g) ? g : default;
                string gapText = gaps.ValueKind == JsonValueKind.Object ? $"{Num(gaps, "count")} ({Dbl(gaps, "totalSeconds"):0.##} s)" : "-";
                string sync = s.TryGetProperty("sync", out var y) && y.ValueKind == JsonValueKind.Object ? $"{Dbl(y, "p99Ms"):0.###} ms" : "-";
                var failing = s.TryGetProperty("checks", out var checks)
                    ? checks.EnumerateArray().Where(c => Str(c, "verdict").ToLowerInvariant() != "pass").Select(c => $"{Str(c, "check")} ({Str(c, "verdict").ToLowerInvariant()})")
                    : [];
                table.AddRow(Output.Text(Str(s, "stream")), Verdict(Str(s, "verdict")), Num(s, "recorded"), Num(s, "dropped"),
                    $"{Dbl(s, "effectiveRateHz"):0.##}/{Dbl(s, "nominalRateHz"):0.##} Hz", gapText, $"{Dbl(s, "jitterP99Ms"):0.###} ms", sync,
                    Output.Text(string.Join(", ", failing)));
            }
            ansi.Write(table);
        }
        if (root.TryGetProperty("findings", out var findings) && findings.GetArrayLength() > 0)
        {
            var table = new Table().AddColumns("stream", "check", "verdict", "finding");
            foreach (var f in findings.EnumerateArray())
                table.AddRow(Output.Text(Str(f, "stream")), Output.Text(Str(f, "check")), Verdict(Str(f, "verdict")), Output.Text(Str(f, "message")));
            ansi.Write(table);
        }
        if (reply.RedactionJson.Length > 0) ansi.MarkupLine($"face redaction at capture: {Output.Text(reply.RedactionJson)}");
    }

    private static string Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : v.ToString() : "";

    private static string Num(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? v.ToString() : "-";

    private static double Dbl(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : 0;
}
