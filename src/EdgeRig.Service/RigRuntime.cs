using EdgeRig.Core;
using EdgeRig.Recording;

namespace EdgeRig.Service;

/// <summary>
/// Runs the rig for the host's lifetime: recovers sessions a crash left open, starts capture on every device,
/// and on shutdown closes any recording session before stopping capture.
/// </summary>
public sealed class RigRuntime(
    RigProfile rig, IReadOnlyList<ISensor> sensors, RecordingPipeline pipeline, ISessionStore store, DataDirectory data,
    IConfiguration configuration, ILogger<RigRuntime> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var id in store.RecoverOpenSessions())
            logger.LogWarning("Recovered session {Session}, left recording by an unclean shutdown", id);
        foreach (var sensor in sensors)
        {
            try
            {
                await sensor.StartAsync(pipeline, CancellationToken.None);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException)
            {
                logger.LogError("Device {Device} did not start: {Reason}; its streams stay stale", sensor.DeviceId, e.Message);
            }
        }
        string urls = configuration["urls"] ?? EdgeRigHost.DefaultUrl;
        logger.LogInformation("EdgeRig rig '{Rig}' with {Devices} devices, data in {DataDir}, listening on {Urls} (plaintext: development mode, loopback only)",
            rig.Name, sensors.Count, data.Path, urls);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
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
    }
}
