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
        var clock = new FakeRigClock();
        var time = new FakeTimeProvider();
        var pipeline = new RecordingPipeline(rig, [Gpio], data.Store, clock, time, RecordingCollaborators.None, NullLogger<RecordingPipeline>.Instance);
        var live = new LiveCalibration(rig, pipeline, data.Store, new SimulatedWorld(new WorldProfile { PeriodicEvents = false }, clock),
            new Lazy<RigOutputs>(() => throw new InvalidOperationException("a motion run fires no trigger")), clock, time, NullLogger<LiveCalibration>.Instance);

        var run = live.RecordMotionAsync(3600, CancellationToken.None);
        for (int i = 0; i < 2000 && !run.IsCompleted; i++)
        {
            time.Advance(TimeSpan.FromMinutes(1)); // each wait of the run (the settling polls, then the hour) ends on the fake clock
            await Task.Delay(5);
        }

        Assert.True(run.IsCompleted, "the run ended on the fake clock");
        var record = data.Store.GetSession(await run);
        Assert.Equal("calibration run (motion) done", record.Session.StopReason);
        Assert.Null(pipeline.Active);
    }
}
