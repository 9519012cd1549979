using EdgeRig.Core;
using EdgeRig.Recording;
using EdgeRig.Storage;
using EdgeRig.Timing.Ptp;

namespace EdgeRig.Service;

/// <summary>Where capture delivers samples: the recording pipeline, or a stage in front of it (redaction at capture).</summary>
public sealed record CaptureSink(ISampleSink Sink);

/// <summary>
/// Runs the rig for the host's lifetime: recovers sessions a crash left open, starts capture on every device,
/// and on shutdown closes any recording session before stopping capture.
/// </summary>
public sealed class RigRuntime(
    RigProfile rig, IReadOnlyList<ISensor> sensors, RecordingPipeline pipeline, ISessionStore store, DataDirectory data,
    PtpMonitor ptp, IRigClock clock, TimeProvider time, ITokenStore tokens, TransportInfo transport,
    CaptureSink capture, IAuditLog audit, Native.DeviceStartFaults deviceFaults, ILogger<RigRuntime> logger) : IHostedService
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _ptpLoop = Task.CompletedTask;
    private Task _retentionLoop = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        ptp.Polled += RecordPtp;
        _ptpLoop = Task.Run(() => ptp.RunAsync(_stopping.Token));
        _retentionLoop = Task.Run(() => RetentionLoopAsync(_stopping.Token));
        if (Security.AdminTokenFile.EnsureFirstAdmin(tokens, data.Path) is { } tokenFile)
            logger.LogWarning("No tokens existed: created the admin token; its secret is in {File} (mode 0600). Log in with it and create the others", tokenFile);
        foreach (var id in store.RecoverOpenSessions())
            logger.LogWarning("Recovered session {Session}, left recording by an unclean shutdown", id);
        foreach (var repair in store.Repairs)
        {
            logger.LogWarning("Store repair: {Repair}", repair);
            audit.Append(new AuditEntry(time.GetUtcNow(), "edgerig-service", "store.repair", "", repair, true));
        }
        foreach (var sensor in sensors)
        {
            if (sensor is Devices.Hotplug.HotplugSensor hotplug)
                hotplug.LinkChanged += e =>
                {
                    logger.LogWarning("Device {Device} {State}: {Reason}", e.DeviceId, e.Connected ? "is back" : "is gone", e.Reason);
                    pipeline.AddDeviceEvent(e.At, e.Connected ? $"{e.DeviceId} reconnected" : $"{e.DeviceId} disconnected", e.Reason);
                };
            try
            {
                await sensor.StartAsync(capture.Sink, CancellationToken.None);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException || NativeLibraries.UnavailableReason(e) is not null)
            {
                string reason = NativeLibraries.UnavailableReason(e) is { } missing && e is not IOException ? missing : e.Message;
                deviceFaults.Report(sensor.DeviceId, reason);
                logger.LogError("Device {Device} did not start: {Reason}; its streams stay stale", sensor.DeviceId, reason);
            }
        }
        logger.LogInformation("EdgeRig rig '{Rig}' with {Devices} devices, data in {DataDir}; transport: {Transport}",
            rig.Name, sensors.Count, data.Path, transport.Mode);
        if (transport.FingerprintSha256.Length > 0)
            logger.LogInformation("TLS certificate SHA-256 fingerprint: {Fingerprint} (pin it: edgerig login URL --fingerprint ...)", transport.FingerprintSha256);
    }

    private async Task RetentionLoopAsync(CancellationToken cancellationToken)
    {
        var retention = rig.Retention;
        if (retention.MaxAgeDays <= 0 && retention.MaxTotalGiB <= 0) return;
        var runner = new RetentionRunner(store, retention, time);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(retention.CheckIntervalSeconds), time);
        do
        {
            try
            {
                var plan = runner.RunOnce();
                foreach (var id in plan.Delete) logger.LogInformation("Retention deleted session {Session}", id);
                if (plan.KeptUnpulled.Count > 0)
                    logger.LogWarning("Retention keeps {Count} sessions that were never pulled: {Sessions}", plan.KeptUnpulled.Count, string.Join(", ", plan.KeptUnpulled));
            }
            catch (Exception e) when (e is IOException or InvalidRigStateException or SessionNotFoundException or LiteDB.LiteException)
            {
                logger.LogWarning("Retention pass failed: {Reason}", e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(cancellationToken));
    }

    private void RecordPtp(PtpStatus status)
    {
        if (pipeline.Active is not { } session) return;
        try
        {
            store.AppendPtp(session.Id, [new PtpRecord(clock.RigNow, status.Available, status.Snapshot?.PortState ?? "",
                status.Snapshot?.MasterOffsetNs ?? 0, status.Snapshot?.MeanPathDelayNs ?? 0, status.Locked)]);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or SessionNotFoundException or LiteDB.LiteException)
        {
            logger.LogWarning("Could not record PTP status into session {Session}: {Reason}", session.Id, e.Message);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        try { await _ptpLoop; } catch (OperationCanceledException) { }
        try { await _retentionLoop; } catch (OperationCanceledException) { }
        if (pipeline.Active is not null)
        {
            try
            {
                var record = await pipeline.StopAsync("service shutting down");
                logger.LogInformation("Closed session {Session} on shutdown", record.Session.Id);
            }
            catch (InvalidRigStateException) { }
        }
        foreach (var sensor in sensors)
            await sensor.DisposeAsync();
        if (capture.Sink is IAsyncDisposable stage) await stage.DisposeAsync();
    }
}
