using System.Security.Cryptography;
using EdgeRig.Core;
using EdgeRig.Export.Dataset;
using EdgeRig.Export.Mcap;
using EdgeRig.Export.SessionMcap;

namespace EdgeRig.Export.Tests.Golden;

/// <summary>
/// The export's bytes pinned: a fixed pulled session (<see cref="GoldenSessionFolder"/>) exported as MCAP (zstd, lz4, none; with and
/// without calibration and a selection) and as a dataset must hash to the SHA-256 recorded from the exporter before its
/// performance work (commit bb53913). A change here means the output changed: only deliberately, with the reason in the commit.
/// The digests also depend on the pinned versions of ZstdSharp.Port and K4os.Compression.LZ4 (their compressed bytes end up in
/// the file or, via the stored chunk sizes, in its metadata); a package bump that moves them is re-recorded with that reason.
/// </summary>
public sealed class GoldenExportTests : IDisposable
{
    private readonly GoldenSessionFolder _session = new();
    private readonly DirectoryInfo _outputs = Directory.CreateTempSubdirectory("edgerig-golden-out-");

    public void Dispose()
    {
        _session.Dispose();
        _outputs.Delete(recursive: true);
    }

    public static TheoryData<string, string> McapDigests => new()
    {
        { "zstd", "9560c4ba1945583404a70789c9bf65e8c22b482f12c793869afe86781a46b672" },
        { "lz4", "a7c58c9eb65aaec8a0a1b30086ce3aab1395e1032dfdb2e1774a20b2020f4526" },
        { "none", "d4aa3608ac9be77593a70c71e0c9d6b4363da2f756389f6f98f97b84ca584f2e" },
        { "zstd-calibrated-selection", "91aa55fefbfd2a9a79ada7425cb938bd7c3ae68626fbc0b3ebac30486cba5616" },
        { "none-calibrated-selection", "54c5b001fa94cc4db838e3291ca0689f82f94b4c35a49838d4d8eb08c5c4adea" },
    };

    private const string DatasetDigest = "18b99510fa661eb43fc0b6ecbcaaa5703b5243ce7605b31a538c5f0a1b4a3851";

    private static SessionExportOptions OptionsOf(string variant)
    {
        var options = new SessionExportOptions { Compression = SessionMcapOptions.ParseCompression(variant.Split('-')[0]) };
        if (!variant.EndsWith("-calibrated-selection", StringComparison.Ordinal)) return options;
        var profile = new SessionAttachment("calibration/golden@2.json", "application/json", new RigTime(GoldenSessionFolder.StartNs), "{\"cam1\":-1.5}"u8.ToArray());
        return options with
        {
            Streams = ["cam1", "imu0", "mic0", "button0"],
            From = new RigTime(GoldenSessionFolder.StartNs + 300_000_000),
            To = new RigTime(GoldenSessionFolder.StartNs + 1_700_000_000),
            Calibration = new SessionCalibration("golden@2", new Dictionary<string, Duration> { ["cam1"] = Duration.FromMicroseconds(-1_500), ["mic0"] = Duration.FromMilliseconds(3) }, profile),
        };
    }

    [Theory]
    [MemberData(nameof(McapDigests))]
    public void Mcap_GoldenSession_SameBytesAsBeforeTheOptimisation(string variant, string expectedSha256)
    {
        using var output = new MemoryStream();
        var result = SessionExport.Prepare(new PulledFolderSessionSource(_session.Folder), OptionsOf(variant)).WriteMcap(output);
        byte[] bytes = output.ToArray();

        string actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
        Assert.Equal((bytes.Length, actual), (result.Bytes, result.Sha256));
        Assert.False(result.Complete);
        Assert.Equal(["cam1/1", "imu0/2"], result.Problems.Select(p => $"{p.Stream}/{p.Index}"));
        Assert.NotEmpty(McapReader.ReadAllRecords(new MemoryStream(bytes)).OfType<Message>());
        Assert.True(expectedSha256 == actual, $"{variant}: SHA-256 {actual} ({bytes.Length} bytes), golden {expectedSha256}");
    }

    [Fact]
    public async Task Dataset_GoldenSession_SameBytesAsBeforeTheOptimisation()
    {
        string folder = Path.Combine(_outputs.FullName, "dataset");
        var result = await SessionExport.Prepare(new PulledFolderSessionSource(_session.Folder), new SessionExportOptions { Format = SessionExportFormat.Dataset })
            .WriteDatasetAsync(folder);

        Assert.Equal(DatasetExporter.Digest(folder).Sha256, result.Sha256);
        Assert.Equal(["cam1/1", "imu0/2"], result.Problems.Select(p => $"{p.Stream}/{p.Index}"));
        Assert.True(DatasetDigest == result.Sha256, $"dataset: SHA-256 {result.Sha256} ({result.Bytes} bytes), golden {DatasetDigest}");
    }
}
