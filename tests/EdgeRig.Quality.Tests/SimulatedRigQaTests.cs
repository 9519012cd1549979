using System.Runtime.CompilerServices;
using EdgeRig.Core;
using EdgeRig.Devices;
using EdgeRig.Devices.Simulation;
using EdgeRig.Timing;

namespace EdgeRig.Quality.Tests;

/// <summary>The default simulated rig's twins, stamped by the real timing stage, as the recorder would hand them to QA.</summary>
public sealed class SimulatedRigQaTests
{
    private sealed class Collector : ISampleSink
    {
        public List<Sample> Samples { get; } = [];
        public void Publish(Sample sample) => Samples.Add(sample);
    }

    private sealed record Recording(IReadOnlyList<StreamDescriptor> Streams, List<Sample> Samples, RigTime Start, RigTime End, Dictionary<string, BoundStats> Sync);

    private static string RigFile([CallerFilePath] string here = "") =>
        Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "hardware", "rigs", "sim-default.json");

    /// <summary>
    /// Every periodic twin of sim-default, delivered in host-time order through a StreamTimestamper; the session is the
    /// <paramref name="seconds"/> after a warm-up (the service stamps samples from boot, so its clock mappers have
    /// settled by the time a session starts; their first estimates carry a wide error bound).
    /// </summary>
    private static async Task<Recording> RecordAsync(double seconds, double warmUpSeconds = 2)
    {
        var rig = RigProfile.Load(RigFile());
        var clock = new FakeRigClock();
        var world = new SimulatedWorld(rig.World, clock);
        var sensors = SimulatedRig.Create(rig, world, clock);
        var start = clock.ToRig(world.Origin + Duration.FromSeconds(warmUpSeconds)).Time;
        var end = world.Origin + Duration.FromSeconds(warmUpSeconds + seconds);
        var delivered = new List<(HostTime At, int Order, Sample Sample)>();
        foreach (var twin in sensors.OfType<SimulatedSensor>())
        {
            var sink = new Collector();
            while (true)
            {
                int before = sink.Samples.Count;
                var at = twin.ProduceNext(sink);
                if (at > end) break;
                delivered.AddRange(sink.Samples.Skip(before).Select(s => (at, delivered.Count, s)));
            }
        }
        var timestamper = new StreamTimestamper(clock);
        var streams = sensors.SelectMany(s => s.Streams).ToList();
        foreach (var d in streams) timestamper.Register(d);
        var stamped = new List<Sample>();
        foreach (var (at, _, sample) in delivered.OrderBy(x => x.At).ThenBy(x => x.Order))
        {
            if (at > clock.Now) clock.Advance(at - clock.Now);
            var s = timestamper.Stamp(sample);
            if (s.Rig.Time >= start) stamped.Add(s);
        }
        foreach (var s in sensors) await s.DisposeAsync();
        var sync = stamped.GroupBy(s => s.Stream.Value).ToDictionary(g => g.Key, g =>
        {
            var bounds = g.Select(s => s.Rig.ErrorBound).Order().ToList();
            return new BoundStats(bounds.Count, bounds[bounds.Count / 2], bounds[(int)(bounds.Count * 0.99)], bounds[^1]);
        });
        return new Recording(streams, stamped, start, clock.ToRig(end).Time, sync);
    }

    private static QaReport Analyse(Recording r)
    {
        var qa = new SessionQa(r.Streams, new QaProfile(), r.Start);
        foreach (var s in r.Samples) qa.Observe(s);
        return qa.Report(r.End, new Dictionary<string, StreamCounts>(), r.Sync, null, final: true);
    }

    [Fact]
    public async Task Report_CleanDefaultSimulatedRig_Passes()
    {
        var recording = await RecordAsync(8);

        var report = Analyse(recording);

        Assert.True(report.Findings.Count == 0, string.Join("\n", report.Findings.Select(f => $"{f.Verdict} {f.Stream} {f.Check}: {f.Message}")));
        Assert.Equal(QaVerdict.Pass, report.Verdict);
        foreach (var id in new[] { "cam0", "cam1", "mic0", "imu0", "lidar0" })
            Assert.True(report.Stream(id)!.Observed > 0, id);
        Assert.Equal(240, report.Stream("cam0")!.Camera!.Frames, 3.0);
    }

    [Fact]
    public async Task Report_SimulatedCameraRepeatingAFrame_FailsFrozen()
    {
        var recording = await RecordAsync(5);
        var cam0 = recording.Samples.Where(s => s.Stream.Value == "cam0").ToList();
        var held = cam0[59].Payload;
        long first = cam0[60].Sequence, last = cam0[120].Sequence;
        var faulty = recording.Samples.Select(s => s.Stream.Value == "cam0" && s.Sequence >= first && s.Sequence <= last ? s with { Payload = held } : s).ToList();

        var report = Analyse(recording with { Samples = faulty });

        var frozen = Assert.Single(report.Findings, f => f.Stream == "cam0" && f.Check == "frozen");
        Assert.Equal(QaVerdict.Fail, frozen.Verdict);
        Assert.InRange((frozen.From!.Value - cam0[59].Rig.Time).TotalSeconds, -0.001, 0.001);
        Assert.InRange((frozen.To!.Value - cam0[120].Rig.Time).TotalSeconds, 0, 1 / 15.0);
        Assert.DoesNotContain(report.Findings, f => f.Stream == "cam1");
    }
}
