using EdgeRig.Api.V1;
using EdgeRig.Calibration;
using EdgeRig.Calibration.Profiles;
using EdgeRig.Calibration.Stimulus;
using EdgeRig.Core;
using EdgeRig.Devices;
using EdgeRig.Devices.Simulation;
using EdgeRig.Recording;
using EdgeRig.Service.Grpc;
using EdgeRig.Timing;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeRig.Service.Tests;

/// <summary>The calibration service over a recorded session: the runner's result reaches the report, damaged chunks included.</summary>
public sealed class CalibrationGrpcServiceTests
{
    private static readonly StreamDescriptor Gpio = new(new StreamId("gpio0"), Modality.Gpio, Encodings.GpioEdge, 0, "", "gpio0", "gpio0");

    private static CalibrationGrpcService Service(TempSessionStore data)
    {
        var rig = new RigProfile { Name = "rig" };
        var clock = new FakeRigClock();
        var store = data.Store;
        var profiles = new CalibrationProfileStore(new CatalogueProfileRecords(store.CatalogueCollection("calibration")));
        var live = new LiveCalibration(rig, new RecordingPipeline(rig, [Gpio], store, clock, TimeProvider.System, RecordingCollaborators.None, NullLogger<RecordingPipeline>.Instance), store,
            new SimulatedWorld(new WorldProfile { PeriodicEvents = false }, clock), new Lazy<RigOutputs>(() => throw new InvalidOperationException("no live run here")),
            [], clock, TimeProvider.System, NullLogger<LiveCalibration>.Instance);
        var runner = new CalibrationRunner(profiles, rig.Name, rig.Calibration, cameraYaw: null, new Dictionary<string, double>());
        return new CalibrationGrpcService(store, profiles, new DataDirectory(data.Dir), TimeProvider.System, rig, live, runner);
    }

    /// <summary>A stopped session "s1" of one GPIO stream in three chunks, with the markers a live stimulus run leaves.</summary>
    private static string StimulusSession(TempSessionStore data)
    {
        var store = data.Store;
        store.CreateSession(new Session("s1", "n", "o", new Dictionary<string, string>(), new RigTime(1_000), null, SessionState.Recording, "rig"), [Gpio]);
        for (int i = 0; i < 3; i++)
            store.WriteChunks("s1", [new ChunkBatch(Gpio, [new Sample(Gpio.Id, i, new SensorTime(i), new HostTime(1 + i),
                new RigTimestamp(new RigTime(2_000 + 1_000_000L * i), new Duration(1)), new byte[] { 4, (byte)(i % 2) })])]);
        store.AddMarker("s1", StimulusMarkers.For(new StimulusReference(1, new RigTime(1_500_000)), "test trigger"));
        store.CloseSession("s1", new RigTime(1_000_000_000), SessionState.Complete, "done");
        return "s1";
    }

    [Fact]
    public async Task RunStimulus_RecordedSessionWithADamagedChunk_ReportNamesItAndUsesTheMarkers()
    {
        using var data = new TempSessionStore();
        string id = StimulusSession(data);
        data.DamageChunk(id, 1);

        var report = await Service(data).RunStimulus(new RunStimulusRequest { SessionId = id }, new TestServerCallContext("/edgerig.v1.Calibration/RunStimulus"));

        var damaged = Assert.Single(report.DamagedChunks);
        Assert.StartsWith("gpio0/1 corrupt: ", damaged);
        Assert.Equal(("the session's stimulus markers (trigger edges)", 1), (report.References, report.Stimuli));
    }
}
