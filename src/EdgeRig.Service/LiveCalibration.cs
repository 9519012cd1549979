using EdgeRig.Calibration.Stimulus;
using EdgeRig.Core;
using EdgeRig.Devices;
using EdgeRig.Devices.Simulation;
using EdgeRig.Recording;

namespace EdgeRig.Service;

/// <summary>What a live stimulus run recorded: the session, the references (trigger edges in rig time), and where they came from.</summary>
public sealed record StimulusRecording(string SessionId, IReadOnlyList<StimulusReference> References, string Source);

/// <summary>
/// Records calibration sessions on the rig: a stimulus run pulses the trigger output at random intervals (each edge's stamp,
/// mapped to rig time, is the reference, also kept as a "stimulus N" marker of the session); a motion run records while the
/// rig turns. The simulated world's own periodic events pause for the run, and it turns the simulated rig during a motion run
/// (on a real rig the operator turns it). One run at a time, never over a recording or an armed rig. Its waits run on the
/// injected <see cref="TimeProvider"/>.
/// </summary>
public sealed class LiveCalibration(RigProfile rig, RecordingPipeline pipeline, ISessionWriter store, SimulatedWorld world, Lazy<RigOutputs> outputs,
    IReadOnlyList<ISensor> sensors, IRigClock clock, TimeProvider time, ILogger<LiveCalibration> logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<StimulusRecording> RecordStimuliAsync(int count, CancellationToken ct)
    {
        var settings = rig.Calibration;
        var trigger = Outputs().Trigger(settings.TriggerOutput)
            ?? throw new InvalidRigStateException($"rig '{rig.Name}' has no gpio-output with role \"trigger\"{(settings.TriggerOutput.Length > 0 ? $" named '{settings.TriggerOutput}'" : "")} to fire the stimulus (rig file devices[].role, calibration.triggerOutput)");
        var schedule = StimulusSchedule.Random(count, settings.MinIntervalSeconds, settings.MaxIntervalSeconds, new Random(), StimulusOptions.For(settings));
        var references = new List<StimulusReference>();
        string source = $"{trigger.Profile.Id} (line {trigger.Profile.Line}) edges, {(trigger.KernelStamped ? "kernel-stamped" : "stamped just before the write")}";
        string id = await RecordAsync("stimulus", async () =>
        {
            await Task.Delay(schedule.Settle.ToTimeSpan(), time, ct);
            foreach (var interval in schedule.Intervals)
            {
                await Task.Delay(interval.ToTimeSpan(), time, ct);
                var edge = trigger.Pulse();
                references.Add(new StimulusReference(references.Count + 1, clock.ToRig(edge).Time));
            }
            await Task.Delay(schedule.Tail.ToTimeSpan(), time, ct);
        }, turn: false, ct);
        foreach (var r in references)
            store.AddMarker(id, StimulusMarkers.For(r, source));
        return new StimulusRecording(id, references, source);
    }

    public Task<string> RecordMotionAsync(double seconds, CancellationToken ct) =>
        RecordAsync("motion", () => Task.Delay(TimeSpan.FromSeconds(seconds), time, ct), turn: true, ct);

    /// <summary>Records a spatial calibration session of <paramref name="seconds"/> (0: the simulated target script's length and a
    /// second, else 45 s: the lab's board holds and the turning). The simulated world plays its target script from the start.</summary>
    public Task<string> RecordSpatialAsync(double seconds, CancellationToken ct)
    {
        double length = seconds > 0 ? seconds : world.Target is { } target ? target.ScriptSeconds + 1 : 45;
        return RecordAsync("spatial", () =>
        {
            world.RestartTargetScript();
            return Task.Delay(TimeSpan.FromSeconds(length), time, ct);
        }, turn: false, ct);
    }

    private RigOutputs Outputs()
    {
        try
        {
            return outputs.Value;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DllNotFoundException or PlatformNotSupportedException or InvalidOperationException)
        {
            throw new InvalidRigStateException($"cannot open the rig's GPIO outputs: {e.Message}");
        }
    }

    private async Task<string> RecordAsync(string method, Func<Task> during, bool turn, CancellationToken ct)
    {
        if (!await _gate.WaitAsync(0, ct)) throw new InvalidRigStateException("a calibration run is already in progress");
        try
        {
            if (pipeline.Active is { } active) throw new InvalidRigStateException($"session '{active.Id}' is recording; stop it before a calibration run");
            if (pipeline.Status().Armed is not null) throw new InvalidRigStateException("the rig is armed; disarm it before a calibration run");
            await SettleAsync(ct);
            using var exposure = FixCameraExposure();
            using var quiet = world.PausePeriodicEvents();
            using var turning = turn ? world.Turn() : null;
            var session = await pipeline.StartAsync($"calibration ({method})", "calibration", new Dictionary<string, string> { ["calibration"] = method });
            logger.LogInformation("Calibration run ({Method}) recording session {Session}", method, session.Id);
            try
            {
                await during();
            }
            catch
            {
                await pipeline.StopAsync($"calibration run ({method}) aborted");
                throw;
            }
            await pipeline.StopAsync($"calibration run ({method}) done");
            return session.Id;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Fixes every exposure-controllable camera's exposure for the run (calibration.cameraExposureMs); the returned
    /// scope gives each back to automatic. A camera that refuses is logged and keeps its own exposure: the run goes on.</summary>
    private ExposureScope FixCameraExposure()
    {
        var fixedCameras = new List<IExposureControl>();
        if (rig.Calibration.CameraExposureMs > 0)
            foreach (var camera in sensors.OfType<IExposureControl>())
            {
                try
                {
                    camera.FixExposure(Duration.FromMilliseconds(rig.Calibration.CameraExposureMs));
                    fixedCameras.Add(camera);
                }
                catch (Exception e) when (e is IOException or InvalidOperationException)
                {
                    logger.LogWarning("Camera {Camera} keeps its own exposure for the calibration run: {Reason}", camera.DeviceId, e.Message);
                }
            }
        return new ExposureScope(fixedCameras, logger);
    }

    private sealed class ExposureScope(List<IExposureControl> cameras, ILogger logger) : IDisposable
    {
        public void Dispose()
        {
            foreach (var camera in cameras)
            {
                try { camera.ReleaseExposure(); }
                catch (Exception e) when (e is IOException or InvalidOperationException)
                {
                    logger.LogWarning("Camera {Camera} could not be given back its automatic exposure: {Reason}", camera.DeviceId, e.Message);
                }
            }
        }
    }

    /// <summary>How long the clock mappers need after the rig starts before their rig times are as tight as they get.</summary>
    public static readonly Duration SettleTime = Duration.FromSeconds(5);

    /// <summary>Waits (up to 10 s) until the rig has run <see cref="SettleTime"/> and every live stream's mapping bound is under 20 ms.</summary>
    private async Task SettleAsync(CancellationToken ct)
    {
        for (int i = 0; i < 100; i++)
        {
            var streams = pipeline.Status().Streams.Where(s => s.Live && s.Descriptor.Modality != Modality.Gpio).ToList();
            if (clock.Now - world.Origin >= SettleTime && streams.Count > 0 && streams.All(s => s.LastErrorBound < Duration.FromMilliseconds(20))) return;
            await Task.Delay(TimeSpan.FromMilliseconds(100), time, ct);
        }
    }
}
