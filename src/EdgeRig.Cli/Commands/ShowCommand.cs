using System.CommandLine;
using EdgeRig.Api.V1;
using Spectre.Console;

namespace EdgeRig.Cli.Commands;

/// <summary>`edgerig show ID`: one session with its streams, counts and markers.</summary>
internal static class ShowCommand
{
    public static Command Create()
    {
        var id = new Argument<string>("id") { Description = "Session id" };
        var command = new Command("show", "Show one session: metadata, per-stream counts, markers") { id };
        command.SetAction((parse, ct) => EdgeRigCli.Guard(parse, async channel =>
        {
            var s = await new Sessions.SessionsClient(channel).GetSessionAsync(new GetSessionRequest { SessionId = parse.GetValue(id) ?? "" }, cancellationToken: ct);
            if (parse.GetValue(EdgeRigCli.Json)) { Output.Json(s); return 0; }
            var ansi = Output.Ansi;
            ansi.MarkupLine($"[bold]{Output.Text(s.Id)}[/] \"{Output.Text(s.Name)}\" by {Output.Text(s.Operator)} on {Output.Text(s.Rig)}");
            ansi.MarkupLine($"{Output.Time(s.StartNs)} .. {Output.Time(s.StopNs)} ({Output.Duration(s.StartNs, s.StopNs)}), {Output.Text(s.State.ToLowerInvariant())}" +
                (s.StopReason.Length > 0 ? $": {Output.Text(s.StopReason)}" : ""));
            if (s.Tags.Count > 0) ansi.MarkupLine("tags: " + Output.Text(string.Join(", ", s.Tags.Select(kv => $"{kv.Key}={kv.Value}"))));
            ansi.MarkupLine($"{s.ChunkCount} chunks, {Output.Bytes(s.StoredBytes)}" +
                (Output.FromApi(s.QaVerdict) is { } qa ? $", QA {Output.Verdict(qa)} (edgerig qa {Output.Text(s.Id)})" : ""));
            RenderCounts(s);
            RenderSync(s);
            if (s.Markers.Count > 0)
            {
                var markers = new Table().AddColumns("time", "label", "note", "source");
                foreach (var m in s.Markers) markers.AddRow(Output.Time(m.TimeNs), Output.Text(m.Label), Output.Text(m.Note), Output.Text(m.Source));
                ansi.Write(markers);
            }
            return 0;
        }));
        return command;
    }

    /// <summary>Sync quality: each stream's error-bound distribution and the PTP lock history.</summary>
    public static void RenderSync(SessionInfo s)
    {
        if (s.Sync.Count > 0)
        {
            var table = new Table().AddColumns("stream", "timestamps", "bound p50", "bound p99", "bound max");
            foreach (var stream in s.Streams)
                if (s.Sync.TryGetValue(stream.Id, out var b) && b.Count > 0)
                    table.AddRow(Output.Text(stream.Id), Output.Text(stream.Timestamps), Ms(b.P50Ns), Ms(b.P99Ns), Ms(b.MaxNs));
            Output.Ansi.Write(table);
        }
        var ptp = s.Ptp;
        if (ptp is null || ptp.Polls == 0) Output.Ansi.MarkupLine("PTP: [grey]no polls recorded[/]");
        else Output.Ansi.MarkupLine($"PTP: locked in {ptp.LockedPolls} of {ptp.Polls} polls ({100.0 * ptp.LockedPolls / ptp.Polls:0.#} %), " +
            $"{ptp.UnavailablePolls} unavailable, max |offset| {ptp.MaxAbsOffsetNs} ns, {ptp.LockChanges} lock changes");
    }

    private static string Ms(long ns) => $"{ns / 1e6:0.000} ms";

    public static void RenderCounts(SessionInfo s)
    {
        double secs = (s.StopNs - s.StartNs) / 1e9;
        var table = new Table().AddColumns("stream", "encoding", "produced", "recorded", "dropped", "gaps", "rate", "nominal");
        foreach (var stream in s.Streams)
        {
            var c = s.Counts.TryGetValue(stream.Id, out var x) ? x : new StreamCounts();
            table.AddRow(Output.Text(stream.Id), Output.Text(stream.Encoding), c.Produced.ToString(), c.Recorded.ToString(),
                c.Dropped > 0 ? $"[red]{c.Dropped}[/]" : "0", c.SensorGaps.ToString(),
                secs > 0 && stream.NominalRateHz > 0 ? $"{c.Recorded / secs:0.0} Hz" : "-",
                stream.NominalRateHz > 0 ? $"{stream.NominalRateHz:0.##} Hz" : "events");
        }
        Output.Ansi.Write(table);
    }
}
