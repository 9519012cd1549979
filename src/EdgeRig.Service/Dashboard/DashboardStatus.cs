using System.Reflection;
using EdgeRig.Core;
using EdgeRig.Recording;
using EdgeRig.Timing.Ptp;

namespace EdgeRig.Service.Dashboard;

/// <summary>One stream as the dashboard and /metrics show it.</summary>
public sealed record StreamView(string Id, string Modality, string Device, bool Live, double RateHz, double NominalHz,
    long Samples, long Recorded, long Dropped, long Gaps, double ErrorBoundMs, double DriftPpm);

/// <summary>PTP as the dashboard shows it: enabled, available, locked, the offset and a one-line summary.</summary>
public sealed record PtpView(bool Enabled, bool Available, bool Locked, long? OffsetNs, string PortState, string Summary);

/// <summary>The upload queue as the dashboard's "upload" card and /metrics show it; null when the rig uploads nothing.</summary>
public sealed record UploadView(bool Paused, string Destination, long BacklogBytes, double RateBytesPerSecond, string? Current,
    int Queued, int Uploading, int Uploaded, int Held, int Failed, long UploadedBytesTotal, long FailuresTotal, string? Problem);

/// <summary>The whole rig at a glance for the dashboard: recording, streams, PTP, disk and time left.</summary>
public sealed record StatusView(string Rig, string Version, long RigTimeMs, bool Recording, string? SessionId, string? SessionName,
    double RecordingSeconds, string LastStopReason, IReadOnlyList<StreamView> Streams, PtpView Ptp, long DiskFreeBytes,
    double WriteBytesPerSecond, double? SecondsLeft)
{
    /// <summary>The recording session's live QA verdict (pass, warn, fail), or null when idle.</summary>
    public string? QaVerdict { get; init; }
    /// <summary>Its worst findings, at most five.</summary>
    public IReadOnlyList<string> QaFindings { get; init; } = [];
    /// <summary>What cannot work on this rig, one line each: a device that did not start, a feature whose library is missing.</summary>
    public IReadOnlyList<string> Unavailable { get; init; } = [];
    /// <summary>The upload queue; null when the rig file has no upload section.</summary>
    public UploadView? Upload { get; init; }
}

/// <summary>Assembles <see cref="StatusView"/> from the pipeline, PTP monitor, data directory and write rate.</summary>
public sealed class DashboardStatus(RecordingPipeline pipeline, RigProfile rig, IRigClock clock, DataDirectory data, PtpMonitor ptp, WriteRateMeter writeRate,
    Native.NativeLibraryReport natives, Native.DeviceStartFaults startFaults, Quality.QaService? qa = null, Upload.UploadQueue? uploads = null)
{
    public static readonly string Version =
        typeof(DashboardStatus).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public StatusView Current()
    {
        var status = pipeline.Status();
        var now = clock.RigNow;
        long free = data.FreeBytes;
        double rate = writeRate.BytesPerSecond();
        var p = ptp.Status;
        var live = status.Active is { } recording ? qa?.Live(recording.Id) : null;
        return new StatusView(rig.Name, Version, now.Nanoseconds / 1_000_000, status.Active is not null, status.Active?.Id, status.Active?.Name,
            status.Active is { } a ? Math.Max(0, (now - a.Start).TotalSeconds) : 0, status.LastStopReason,
            status.Streams.Select(View).ToList(),
            new PtpView(rig.Ptp.Enabled, p.Available, p.Locked, p.Snapshot?.MasterOffsetNs, p.Snapshot?.PortState ?? "", rig.Ptp.Enabled ? p.Summary : "PTP not monitored (rig file: ptp.enabled)"),
            free, rate, free >= 0 && rate > 0 ? free / rate : null)
        {
            QaVerdict = live?.Verdict.Name(),
            QaFindings = live?.Findings.Where(f => f.Verdict != QaVerdict.Pass).Take(5).Select(f => f.Message).ToList() ?? [],
            Unavailable = [
                .. rig.Devices.Select(d => startFaults.For(d.Id) is { } fault ? $"{d.Id}: {fault}" : null).OfType<string>(),
                .. natives.Features().Where(f => !f.Available).Select(f => $"{f.Name}: {f.Detail}"),
            ],
            Upload = uploads is { Configured: true } ? UploadOf(uploads) : null,
        };
    }

    private static UploadView UploadOf(Upload.UploadQueue q)
    {
        var entries = q.Entries();
        int Count(Upload.UploadState s) => entries.Count(e => e.State == s);
        // the one thing to act on: a held or failed session (the oldest), else nothing
        string? problem = entries.FirstOrDefault(e => e.State is Upload.UploadState.Held or Upload.UploadState.Failed) is { } p
            ? $"{p.SessionId} {Upload.UploadEntry.Name(p.State)}: {p.Reason}" : null;
        return new UploadView(q.Paused, q.Destination, q.BacklogBytes, q.RateBytesPerSecond, q.Current, Count(Upload.UploadState.Queued),
            Count(Upload.UploadState.Uploading), Count(Upload.UploadState.Uploaded), Count(Upload.UploadState.Held), Count(Upload.UploadState.Failed),
            q.UploadedBytesTotal, q.FailuresTotal, problem);
    }

    private static StreamView View(StreamStatus s) => new(s.Descriptor.Id.Value, s.Descriptor.Modality.ToString().ToLowerInvariant(), s.Descriptor.DeviceId,
        s.Live, s.RateHz, s.Descriptor.NominalRateHz, s.Total, s.Session.Recorded, s.Session.Dropped, s.Session.SensorGaps,
        s.LastErrorBound.TotalMilliseconds, s.DriftPpm);
}
