using System.CommandLine;
using EdgeRig.Api.V1;
using Spectre.Console;

namespace EdgeRig.Cli.Commands;

/// <summary>`edgerig status`: every stream live or stale, its rate against nominal, drops and sync bound.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var command = new Command("status", "Show every device and stream: live, rate, drops, sync bound; and the recording state");
        command.SetAction((parse, ct) => EdgeRigCli.Guard(parse, async channel =>
        {
            var status = await new Rig.RigClient(channel).GetStatusAsync(new GetStatusRequest(), cancellationToken: ct);
            if (parse.GetValue(EdgeRigCli.Json)) { Output.Json(status); return 0; }
            Render(status);
            return status.Streams.All(s => s.Live) ? 0 : 4;
        }));
        return command;
    }

    private static void Render(RigStatus status)
    {
        var ansi = Output.Ansi;
        ansi.MarkupLine($"[bold]{Output.Text(status.RigName)}[/]  edgerig {Output.Text(status.Version)}  rig time {Output.Time(status.RigTimeNs)}  data free {Output.Bytes(status.DataFreeBytes)}");
        var ptp = status.Ptp;
        if (ptp is null || !ptp.Enabled) ansi.MarkupLine("PTP: [grey]not monitored[/] (rig file: ptp.enabled)");
        else if (!ptp.Available) ansi.MarkupLine($"PTP: [red]unavailable[/]: {Output.Text(ptp.Error)}");
        else ansi.MarkupLine($"PTP: {(ptp.Locked ? "[green]locked[/]" : "[yellow]not locked[/]")} {Output.Text(ptp.PortState)}, offset {ptp.MasterOffsetNs} ns, " +
            $"path delay {ptp.MeanPathDelayNs:0} ns, grandmaster {(ptp.GrandmasterPresent ? Output.Text(ptp.GrandmasterIdentity) : "absent")}" +
            (ptp.RequiredToRecord && !ptp.Locked ? " [red](recording refused until locked)[/]" : ""));
        if (status.Recording)
        {
            var s = status.ActiveSession;
            double secs = (status.RigTimeNs - s.StartNs) / 1e9;
            ansi.MarkupLine($"[red bold]● RECORDING[/] {Output.Text(s.Id)} \"{Output.Text(s.Name)}\" for {secs:0.0} s");
        }
        else if (status.Armed is { Armed: true } armed)
        {
            ansi.MarkupLine($"[yellow bold]ARMED[/] holding {armed.BufferedSeconds:0.0} of {armed.PreTriggerSeconds:0.#} s ({Output.Bytes(armed.BufferedBytes)} of {Output.Bytes(armed.MaxBytes)}); waiting for a trigger");
        }
        else
        {
            ansi.MarkupLine("[grey]idle[/]" + (status.LastStopReason.Length > 0 ? $" (last stop: {Output.Text(status.LastStopReason)})" : ""));
        }
        var table = new Table().AddColumns("stream", "kind", "state", "rate", "nominal", "samples", "recorded", "dropped", "gaps", "sync ±", "drift");
        foreach (var s in status.Streams)
        {
            var c = s.SessionCounts;
            bool eventStream = s.Stream.NominalRateHz <= 0;
            table.AddRow(
                Output.Text(s.Stream.Id),
                Output.Text(s.Stream.Modality),
                s.Live ? "[green]live[/]" : "[red]STALE[/]",
                eventStream ? "-" : $"{s.RateHz:0.0} Hz",
                eventStream ? "events" : $"{s.Stream.NominalRateHz:0.##} Hz",
                s.TotalSamples.ToString(),
                status.Recording ? c.Recorded.ToString() : "-",
                status.Recording ? (c.Dropped > 0 ? $"[red]{c.Dropped}[/]" : "0") : "-",
                status.Recording ? c.SensorGaps.ToString() : "-",
                $"{s.ErrorBoundNs / 1e6:0.000} ms",
                s.Stream.Timestamps == "SensorClock" ? $"{s.DriftPpm:+0.0;-0.0} ppm" : "kernel");
        }
        ansi.Write(table);
        foreach (var s in status.Streams.Where(s => !s.Live && s.Fault.Length > 0))
            ansi.MarkupLine($"[red]{Output.Text(s.Stream.Id)}[/]: {Output.Text(s.Fault)}");
        foreach (var f in status.Features.Where(f => !f.Available))
            ansi.MarkupLine($"[yellow]{Output.Text(f.Name)}[/]: {Output.Text(f.Detail)}");
        if (status.Upload is { } upload) ansi.MarkupLine(UploadCommand.Summary(upload));
    }
}
