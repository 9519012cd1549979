using EdgeRig.Core;
using EdgeRig.Devices;
using EdgeRig.Devices.Simulation;
using EdgeRig.Recording;
using EdgeRig.Timing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EdgeRig.Service.Tests;

/// <summary>A live calibration run waits on the injected TimeProvider: an hour-long motion run ends once the fake clock has
/// moved an hour, within seconds of wall time.</summary>
public sealed class LiveCalibrationTests
{
    private static readonly StreamDescriptor Gpio = new(new StreamId("gpio0"), Modality.Gpio, Encodings.GpioEdge, 0, "", "gpio0", "gpio0");

    [Fact]
    public async Task MotionRun_AnHourOnTheFakeClock_RecordsAndStops()
    {
        using var data = new TempSessionStore();
        var rig = new RigProfile { Name = "rig" };
        var (live, pipeline, time) = Live(rig, data, []);

        var run = await RunOnFakeClock(live.RecordMotionAsync(3600, CancellationToken.None), time);

        var record = data.Store.GetSession(run);
        Assert.Equal("calibration run (motion) done", record.Session.StopReason);
        Assert.Null(pipeline.Active);
    }

    [Fact]
    public async Task Run_FixesCameraExposureWhileRecording_AndGivesItBackAfter()
    {
        using var data = new TempSessionStore();
        var rig = new RigProfile { Name = "rig", Calibration = new CalibrationSettings { CameraExposureMs = 8 } };
        var camera = new ExposureLog("cam0");
        var (live, pipeline, time) = Live(rig, data, [camera]);
        camera.Recording = () => pipeline.Active is not null;

        string session = await RunOnFakeClock(live.RecordMotionAsync(60, CancellationToken.None), time);

        // fixed before the session started, given back after it stopped: fixed for all of it
        Assert.Equal(["fix 8 ms (idle)", "release (idle)"], camera.Calls);
        Assert.Equal("calibration run (motion) done", data.Store.GetSession(session).Session.StopReason);
    }

    [Fact]
    public async Task Run_ExposureZero_LeavesCamerasAlone()
    {
        using var data = new TempSessionStore();
        var rig = new RigProfile { Name = "rig", Calibration = new CalibrationSettings { CameraExposureMs = 0 } };
        var camera = new ExposureLog("cam0");
        var (live, _, time) = Live(rig, data, [camera]);

        await RunOnFakeClock(live.RecordMotionAsync(60, CancellationToken.None), time);

        Assert.Empty(camera.Calls);
    }

    private static (LiveCalibration Live, RecordingPipeline Pipeline, FakeTimeProvider Time) Live(RigProfile rig, TempSessionStore data, IReadOnlyList<ISensor> sensors)
    {
        var clock = new FakeRigClock();
        var time = new FakeTimeProvider();
        var pipeline = new RecordingPipeline(rig, [Gpio], data.Store, clock, time, RecordingCollaborators.None, NullLogger<RecordingPipeline>.Instance);
        var live = new LiveCalibration(rig, pipeline, data.Store, new SimulatedWorld(new WorldProfile { PeriodicEvents = false }, clock),
            new Lazy<RigOutputs>(() => throw new InvalidOperationException("a motion run fires no trigger")), sensors, clock, time, NullLogger<LiveCalibration>.Instance);
        return (live, pipeline, time);
    }

    private static async Task<string> RunOnFakeClock(Task<string> run, FakeTimeProvider time)
    {
        for (int i = 0; i < 2000 && !run.IsCompleted; i++)
        {
            time.Advance(TimeSpan.FromMinutes(1)); // each wait of the run (the settling polls, then the run itself) ends on the fake clock
            await Task.Delay(5);
        }
        Assert.True(run.IsCompleted, "the run ended on the fake clock");
        return await run;
    }

    /// <summary>A camera that records what was asked of its exposure, and whether a session was recording at the time.</summary>
    private sealed class ExposureLog(string id) : ISensor, IExposureControl
    {
        public List<string> Calls { get; } = [];
        public Func<bool> Recording { get; set; } = () => false;
        public string DeviceId => id;
        public IReadOnlyList<StreamDescriptor> Streams => [];
        public Task StartAsync(ISampleSink sink, CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync() => Task.CompletedTask;
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        public void FixExposure(Duration exposure)
        {
            Calls.Add($"fix {exposure.TotalMilliseconds:0} ms ({(Recording() ? "recording" : "idle")})");
        }

        public void ReleaseExposure()
        {
            Calls.Add($"release ({(Recording() ? "recording" : "idle")})");
        }
    }
}
