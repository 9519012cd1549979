using EdgeRig.Api.V1;
using EdgeRig.Calibration;
using EdgeRig.Calibration.Profiles;
using EdgeRig.Core;
using EdgeRig.Export;
using EdgeRig.Formats;
using EdgeRig.Quality;
using EdgeRig.Recording;
using EdgeRig.Service.Grpc;
using EdgeRig.Service.Quality;
using EdgeRig.Storage;
using EdgeRig.Timing;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeRig.Service.Tests;

/// <summary>
/// The gRPC export is an adapter over <see cref="SessionExport"/> (the path the CLI and the uploader take), and every reader of
/// stored sessions (export, QA, calibration) skips a damaged chunk and names it.
/// </summary>
public sealed class SessionExportPathTests : IDisposable
{
    private readonly TempSessionStore _data = new();
    private static readonly StreamDescriptor Cam = new(new StreamId("cam0"), Modality.Camera, Encodings.Jpeg, 30, "", "cam0", "cam0");
    private static readonly StreamDescriptor Imu = new(new StreamId("imu0"), Modality.Imu, Encodings.Imu6, 400, "", "imu0", "imu0");
    private static readonly ServerCallContext ExportCall = new TestServerCallContext("/edgerig.v1.Sessions/ExportSession");

    private LiteDbSessionStore Store => _data.Store;

    public void Dispose() => _data.Dispose();

    private sealed class Received : IServerStreamWriter<ExportChunk>
    {
        public List<ExportChunk> Messages { get; } = [];
        public WriteOptions? WriteOptions { get; set; }
        public Task WriteAsync(ExportChunk message) { Messages.Add(message.Clone()); return Task.CompletedTask; }
        public byte[] Bytes => Messages.SelectMany(m => m.Data.ToByteArray()).ToArray();
        public ExportSummary Summary => Messages[^1].Summary;
    }

    private ICalibrationProfileStore Profiles() => new CalibrationProfileStore(new CatalogueProfileRecords(Store.CatalogueCollection("calibration")));

    private SessionsGrpcService Service() =>
        new(Store, new Privacy.EgressPolicy(new RigProfile { Name = "rig" }, new LiteDbConsentStore(Store), TimeProvider.System), TimeProvider.System,
            profiles: Profiles());

    /// <summary>A stopped session "s1" of cam0 and imu0, three chunks each (cam0's chunk 1 is the second chunk written).</summary>
    private string Session()
    {
        var session = new Session("s1", "n", "o", new Dictionary<string, string>(), new RigTime(1_000), null, SessionState.Recording, "rig");
        Store.CreateSession(session, [Cam, Imu]);
        for (int i = 0; i < 3; i++)
            Store.WriteChunks("s1", [
                new ChunkBatch(Cam, [Sample(Cam, i, 5_000)]),
                new ChunkBatch(Imu, Enumerable.Range(0, 4).Select(k => Sample(Imu, 4 * i + k, 24)).ToList())]);
        Store.CloseSession("s1", new RigTime(1_000_000_000), SessionState.Complete, "done");
        return "s1";
    }

    private static Sample Sample(StreamDescriptor d, long seq, int bytes) => new(d.Id, seq, new SensorTime(seq), new HostTime(1 + seq),
        new RigTimestamp(new RigTime(2_000 + 1_000_000 * seq), new Duration(1)), Enumerable.Range(0, bytes).Select(k => (byte)(k * 7 + seq)).ToArray());

    private byte[] ViaSessionExport(string id, SessionCalibration? calibration)
    {
        using var output = new MemoryStream();
        SessionExport.Prepare(new SessionStoreSource(Store, id), new SessionExportOptions { Calibration = calibration }).WriteMcap(output);
        return output.ToArray();
    }

    [Fact]
    public async Task ExportSession_SameSessionOverGrpcAndThroughSessionExport_SameBytes()
    {
        string id = Session();
        var received = new Received();

        await Service().ExportSession(new ExportSessionRequest { SessionId = id, Format = "mcap" }, received, ExportCall);

        byte[] direct = ViaSessionExport(id, calibration: null);
        Assert.Equal(direct, received.Bytes);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(direct)), received.Summary.Sha256);
    }

    [Fact]
    public async Task ExportSession_SessionRecordedWithAProfile_SameBytesAsSessionExportWithTheRigsChoice()
    {
        string id = Session();
        var profile = Profiles().Save(new CalibrationProfile("lab", 0, "rig", DateTimeOffset.UnixEpoch, "ana", "",
            [new StreamCalibration("cam0", "cam0", 22e6, 21.9e6, 22.1e6, 20, "stimulus/test")]));
        Store.SetCalibration(id, $"{profile.Name}@{profile.Version}");
        var received = new Received();

        await Service().ExportSession(new ExportSessionRequest { SessionId = id, Format = "mcap" }, received, ExportCall);

        var chosen = CalibrationProfileLookup.ForExport(Profiles(), Store.GetSession(id), requested: "");
        Assert.Equal("lab@1 (the session's recorded profile)", chosen!.Source);
        Assert.Equal(ViaSessionExport(id, chosen), received.Bytes);
        Assert.NotEqual(ViaSessionExport(id, calibration: null), received.Bytes);
    }

    [Fact]
    public async Task DamagedChunk_Export_LeftOutAndNamedInTheSummary()
    {
        string id = Session();
        _data.DamageChunk(id, 2);
        var received = new Received();

        await Service().ExportSession(new ExportSessionRequest { SessionId = id, Format = "mcap" }, received, ExportCall);

        var problem = Assert.Single(received.Summary.Problems);
        Assert.Equal(("cam0", 1, "corrupt"), (problem.Stream, problem.Index, problem.Kind));
    }

    [Fact]
    public void DamagedChunk_Qa_LeftOutOfTheAnalysisAndNamedInAFinding()
    {
        string id = Session();
        _data.DamageChunk(id, 2);
        var rig = new RigProfile { Name = "rig" };
        var clock = new FakeRigClock();
        var qa = new SessionQaReports(rig, Store, clock, Profiles(), NullLogger<SessionQaReports>.Instance);

        var report = qa.FromStore(Store.GetSession(id));

        var finding = Assert.Single(report.Findings, f => f.Check == QaService.DamagedChunkCheck);
        Assert.Equal("cam0", finding.Stream);
        Assert.Contains("cam0/1 corrupt", finding.Message);
        Assert.True(report.Verdict >= QaVerdict.Warn);
    }

    [Fact]
    public void DamagedChunk_Calibration_ReadsTheRestAndNamesIt()
    {
        string id = Session();
        _data.DamageChunk(id, 2);

        var read = SessionStreams.Read(new SessionStoreSource(Store, id));

        Assert.Equal(["cam0/1"], read.Damaged.Select(p => p.ChunkId));
        Assert.Equal([0L, 2], read.Streams.Single(s => s.Descriptor.Id == Cam.Id).Samples.Select(s => s.Sequence));
        Assert.Equal(12, read.Streams.Single(s => s.Descriptor.Id == Imu.Id).Samples.Count);
    }
}
