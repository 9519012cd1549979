using System.Diagnostics.CodeAnalysis;
using EdgeRig.Calibration.Profiles;
using EdgeRig.Calibration.Stimulus;
using EdgeRig.Core;

namespace EdgeRig.Calibration.Tests;

/// <summary>Calibration reads sessions under the readers' one damaged-chunk policy: the chunk is skipped and named, the run goes on.</summary>
public sealed class SessionStreamsTests
{
    private static readonly StreamDescriptor Gpio = new(new StreamId("gpio0"), Modality.Gpio, Encodings.GpioEdge, 0, "", "gpio0", "gpio0");

    [Fact]
    public void Read_OneChunkDamaged_KeepsTheOtherChunksSamplesAndNamesIt()
    {
        var source = new ListedSource(Gpio, chunks: 3, damaged: 1);

        var read = SessionStreams.Read(source);

        Assert.Equal([0L, 1, 4, 5], read.Streams.Single().Samples.Select(s => s.Sequence));
        var problem = Assert.Single(read.Damaged);
        Assert.Equal(("gpio0/1", ChunkProblemKind.Corrupt), (problem.ChunkId, problem.Kind));
    }

    [Fact]
    public void RunnerStimulus_DamagedChunk_RunCompletesAndNamesIt()
    {
        var runner = new CalibrationRunner(new CalibrationProfileStore(new NoProfiles()), "rig", new CalibrationSettings(), cameraYaw: null, new Dictionary<string, double>());
        var source = new ListedSource(Gpio, chunks: 2, damaged: 0);

        var run = runner.Stimulus(source, [new StimulusReference(1, new RigTime(1_000))], "test");

        Assert.Equal(["gpio0/0"], run.Damaged.Select(p => p.ChunkId));
    }

    [Fact]
    public void GroundTruthReferences_OnlyEventsInsideTheSessionLessItsSettlingStartAndTail()
    {
        const long start = 10_000_000_000, stop = 20_000_000_000;
        var record = new SessionRecord(new Session("s", "n", "o", new Dictionary<string, string>(), new RigTime(start), new RigTime(stop), SessionState.Complete, "rig"),
            [Gpio], new Dictionary<string, StreamCounts>(), [], 0, 0);
        long[] at = [start + 200_000_000, start + 400_000_000, stop - 800_000_000, stop - 600_000_000];

        var (references, source) = CalibrationRunner.ReferencesOf(record, () => at.Select((t, i) => new StimulusReference(i + 1, new RigTime(t))), "nowhere");

        Assert.Equal([2, 3], references.Select(r => r.Number));
        Assert.Equal("the simulated world's ground truth", source);
    }

    /// <summary>A session of one stream in chunks of two samples each; the chunk numbered <c>damaged</c> reads as corrupt.</summary>
    private sealed class ListedSource(StreamDescriptor stream, int chunks, int damaged) : ISessionSource
    {
        public SessionRecord Record { get; } = new(new Session("s1", "n", "o", new Dictionary<string, string>(), new RigTime(0), new RigTime(10_000), SessionState.Complete, "rig"),
            [stream], new Dictionary<string, StreamCounts>(), [], chunks, 0);

        public IReadOnlyList<ChunkInfo> Chunks { get; } = Enumerable.Range(0, chunks)
            .Select(i => new ChunkInfo(stream.Id, i, 2 * i, 2 * i + 1, 2, new RigTime(2 * i), new RigTime(2 * i + 1), ChunkCodec.None, 0, 0, 0, "")).ToList();

        public bool TryReadChunk(ChunkInfo chunk, [NotNullWhen(true)] out IReadOnlyList<Sample>? samples, [NotNullWhen(false)] out ChunkProblem? problem)
        {
            if (chunk.Index == damaged)
            {
                (samples, problem) = (null, new ChunkProblem(chunk.Stream.Value, chunk.Index, ChunkProblemKind.Corrupt, "CRC32C mismatch"));
                return false;
            }
            samples = [.. Enumerable.Range(0, chunk.Count).Select(k => chunk.FirstSequence + k)
                .Select(seq => new Sample(chunk.Stream, seq, new SensorTime(seq), new HostTime(seq), new RigTimestamp(new RigTime(seq), new Duration(1)), new byte[] { 0, 1 }))];
            problem = null;
            return true;
        }
    }

    /// <summary>A rig without calibration profiles.</summary>
    internal sealed class NoProfiles : IProfileRecords
    {
        public void Insert(CalibrationProfile profile) => throw new InvalidOperationException("not expected");

        public IEnumerable<CalibrationProfile> All() => [];
    }
}
