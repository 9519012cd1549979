using EdgeRig.Core;
using EdgeRig.Export.Dataset;
using EdgeRig.Export.Mcap;
using EdgeRig.Export.SessionMcap;
using EdgeRig.Export.Tests.SessionMcap;

namespace EdgeRig.Export.Tests;

/// <summary>The one export path: what it composes (calibration, attachments) around the MCAP and dataset writers.</summary>
public sealed class SessionExportTests : IDisposable
{
    private readonly SyntheticSessionFolder _session = new();
    private readonly DirectoryInfo _outputs = Directory.CreateTempSubdirectory("edgerig-session-export-");

    public void Dispose()
    {
        _session.Dispose();
        _outputs.Delete(recursive: true);
    }

    private string Out(string name) => Path.Combine(_outputs.FullName, name);

    private PulledFolderSessionSource Source() => new(_session.Folder);

    private static readonly SessionAttachment Profile = new("calibration/lab@1.json", "application/json", new RigTime(SyntheticSessionFolder.StartNs), "{\"p\":1}"u8.ToArray());

    /// <summary>cam0 read 2 ms earlier, as a profile with that offset would have it.</summary>
    private static readonly SessionCalibration Lab = new("lab@1 (test)", new Dictionary<string, Duration> { ["cam0"] = Duration.FromMilliseconds(2) }, Profile);

    private static byte[] Mcap(SessionExport export)
    {
        using var output = new MemoryStream();
        export.WriteMcap(output);
        return output.ToArray();
    }

    [Fact]
    public void WriteMcap_NoCalibration_SameBytesAsTheMcapExporterItself()
    {
        using var direct = new MemoryStream();
        SessionMcapExporter.Export(Source(), direct, new SessionMcapOptions());

        Assert.Equal(direct.ToArray(), Mcap(SessionExport.Prepare(Source(), new SessionExportOptions())));
    }

    [Fact]
    public void WriteMcap_Calibration_MovesThatStreamEarlierByItsOffsetAndAttachesTheProfile()
    {
        var plain = Mcap(SessionExport.Prepare(Source(), new SessionExportOptions()));
        var calibrated = Mcap(SessionExport.Prepare(Source(), new SessionExportOptions { Calibration = Lab }));

        Assert.Equal(LogTimes(plain, "/cam0").Select(t => t - 2_000_000), LogTimes(calibrated, "/cam0"));
        Assert.Equal(LogTimes(plain, "/imu0"), LogTimes(calibrated, "/imu0"));
        var attachment = McapReader.ReadAllRecords(new MemoryStream(calibrated)).OfType<Attachment>().Single();
        Assert.Equal(Profile.Name, attachment.Name);
        Assert.Equal(Profile.Data, attachment.Data);
    }

    [Fact]
    public async Task WriteDatasetAsync_Calibration_SameDatasetAsTheDatasetExporterGivenTheSameLatencies()
    {
        var viaExport = await SessionExport.Prepare(Source(), new SessionExportOptions { Format = SessionExportFormat.Dataset, Calibration = Lab })
            .WriteDatasetAsync(Out("via-export"));
        var direct = await DatasetExporter.ExportAsync(Source(), Out("direct"),
            new DatasetOptions { Calibration = new DatasetCalibration(Lab.Source, Lab.Offsets) });

        Assert.Equal(direct.Sha256, DatasetExporter.Digest(Out("via-export")).Sha256);
        Assert.Equal(direct.Rows, viaExport.Rows);
        Assert.Equal("lab@1 (test)", DatasetMetadata.Load(Out("via-export")).Calibration.Source);
    }

    [Fact]
    public void Prepare_UnknownStream_RefusedBeforeAnythingIsWritten()
    {
        var e = Assert.Throws<ArgumentException>(() => SessionExport.Prepare(Source(), new SessionExportOptions { Streams = ["cam9"] }));

        Assert.Contains("cam9", e.Message);
    }

    [Fact]
    public void WriteMcap_PreparedAsDataset_SaysToWriteItAsOne()
    {
        var export = SessionExport.Prepare(Source(), new SessionExportOptions { Format = SessionExportFormat.Dataset });

        var e = Assert.Throws<InvalidOperationException>(() => export.WriteMcap(Stream.Null));
        Assert.Contains("WriteDatasetAsync", e.Message);
    }

    private static List<ulong> LogTimes(byte[] mcap, string topic)
    {
        using var reader = new McapReader(new MemoryStream(mcap));
        return reader.ReadMessages(topic).Select(m => m.LogTime).ToList();
    }
}
