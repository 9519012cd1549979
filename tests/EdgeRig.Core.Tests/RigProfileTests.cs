using EdgeRig.Core;

namespace EdgeRig.Core.Tests;

public class RigProfileTests
{
    private const string Valid = """
        { "name": "r", "devices": [
          { "id": "cam0", "kind": "camera", "width": 640, "height": 480, "rateHz": 30 },
          { "id": "imu0", "kind": "imu", "rateHz": 400, "fifoBurst": 4, "dropPolicy": "drop-newest", "clock": { "driftPpm": 20 } } ] }
        """;

    [Fact]
    public void Parse_ValidRig_ReadsDevicesAndDefaults()
    {
        var rig = RigProfile.Parse(Valid, "r.json");
        Assert.Equal("r", rig.Name);
        Assert.Equal(2, rig.Devices.Count);
        Assert.Equal(DropPolicy.DropNewest, rig.Devices[1].DropPolicy);
        Assert.Equal(20, rig.Devices[1].Clock.DriftPpm);
        Assert.Equal(0.5, rig.Recording.FlushIntervalSeconds);
        Assert.Equal("imu0", rig.Devices[1].StreamName);
    }

    [Theory]
    [InlineData("\"kind\": \"imu\"", "\"kind\": \"toaster\"", "devices[1].kind")]
    [InlineData("\"driftPpm\": 20", "\"driftPpm\": 5000", "devices[1].clock.driftPpm")]
    [InlineData("\"id\": \"imu0\"", "\"id\": \"cam0\"", "devices[1].id")]
    [InlineData("\"name\": \"r\"", "\"name\": \"\"", "name")]
    [InlineData("\"fifoBurst\": 4", "\"fifoBurst\": \"four\"", "devices[1].fifoBurst")]
    [InlineData("\"fifoBurst\": 4", "\"fifoBursts\": 4", "devices[1].fifoBursts")]
    public void Parse_BrokenField_NamesFileAndField(string from, string to, string field)
    {
        var e = Assert.Throws<RigProfileException>(() => RigProfile.Parse(Valid.Replace(from, to), "rigs/broken.json"));
        Assert.Equal(field, e.Field);
        Assert.Contains("rigs/broken.json", e.Message);
        Assert.Contains(field, e.Message);
    }

    [Theory]
    [InlineData("\"id\": \"cam0\"", "\"id\": \"../cam0\"", "devices[0].id")]
    [InlineData("\"id\": \"cam0\"", "\"id\": \"cam0\", \"stream\": \"a/b\"", "devices[0].stream")]
    [InlineData("\"id\": \"cam0\"", "\"id\": \"cam0\", \"stream\": \"..\"", "devices[0].stream")]
    [InlineData("\"id\": \"imu0\"", "\"id\": \"imu\\u001b[2J\"", "devices[1].id")]
    public void Parse_StreamIdNotAnIdentifier_NamesTheField(string from, string to, string field)
    {
        var e = Assert.Throws<RigProfileException>(() => RigProfile.Parse(Valid.Replace(from, to), "rigs/broken.json"));
        Assert.Equal(field, e.Field);
        Assert.Contains(StreamId.Rule, e.Message);
        Assert.DoesNotContain('\u001b', e.Message);
    }

    [Fact]
    public void Parse_RemembersTheFile() => Assert.Equal("r.json", RigProfile.Parse(Valid, "r.json").File);

    [Theory]
    [InlineData(new byte[0], "is empty")]
    [InlineData(new byte[] { 0x20, 0x0a }, "is empty")]
    [InlineData(new byte[] { 0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00, 0xff, 0xfe }, "is not a text file")]
    [InlineData(new byte[] { 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a }, "is not a text file")]
    public void Load_EmptyOrBinaryFile_NamesTheDocument(byte[] content, string problem)
    {
        string file = Path.Combine(Path.GetTempPath(), $"edgerig-rig-{Guid.NewGuid():N}.json");
        File.WriteAllBytes(file, content);
        try
        {
            var e = Assert.Throws<RigProfileException>(() => RigProfile.Load(file));
            Assert.Equal("(document)", e.Field);
            Assert.StartsWith($"rig file '{file}': (document): {problem}", e.Message);
            Assert.DoesNotContain(": :", e.Message);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"rig\"")]
    [InlineData("x")]
    public void Parse_NotAnObject_NamesTheDocument(string json)
    {
        var e = Assert.Throws<RigProfileException>(() => RigProfile.Parse(json, "x.json"));
        Assert.Equal("(document)", e.Field);
        Assert.DoesNotContain(": :", e.Message);
    }

    [Fact]
    public void Parse_NotJson_NamesFile()
    {
        var e = Assert.Throws<RigProfileException>(() => RigProfile.Parse("{ \"name\": ", "x.json"));
        Assert.Contains("x.json", e.Message);
    }

    [Fact]
    public void Load_MissingFile_NamesFile()
    {
        var e = Assert.Throws<RigProfileException>(() => RigProfile.Load("/nonexistent/rig.json"));
        Assert.Contains("/nonexistent/rig.json", e.Message);
    }

    [Fact]
    public void Load_ShippedRigFiles_AreValid()
    {
        string dir = Path.Combine(RepoRoot(), "hardware", "rigs");
        var files = Directory.GetFiles(dir, "*.json");
        Assert.NotEmpty(files);
        foreach (var f in files)
            Assert.NotEmpty(RigProfile.Load(f).Devices);
    }

    internal static string RepoRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        while (d is not null && !File.Exists(Path.Combine(d.FullName, "EdgeRig.sln"))) d = d.Parent;
        return d?.FullName ?? throw new InvalidOperationException("EdgeRig.sln not found above the test binaries");
    }
}

public class RigProfileCalibrationTests
{
    [Theory]
    [InlineData("\"stimulusCount\": 2", "calibration.stimulusCount")]
    [InlineData("\"motionSeconds\": 1", "calibration.motionSeconds")]
    [InlineData("\"cameraExposureMs\": -1", "calibration.cameraExposureMs")]
    [InlineData("\"cameraExposureMs\": 2000", "calibration.cameraExposureMs")]
    public void Parse_CalibrationFieldOutOfRange_NamesTheField(string field, string expected)
    {
        var e = Assert.Throws<RigProfileException>(() => RigProfile.Parse($$"""{ "name": "r", "calibration": { {{field}} }, "devices": [ { "id": "imu0", "kind": "imu", "rateHz": 400 } ] }""", "r.json"));
        Assert.Equal(expected, e.Field);
    }

    [Fact]
    public void Parse_CameraExposure_DefaultsTo10MsAndZeroMeansLeaveAlone()
    {
        Assert.Equal(10, RigProfile.Parse("""{ "name": "r", "devices": [ { "id": "imu0", "kind": "imu", "rateHz": 400 } ] }""", "r.json").Calibration.CameraExposureMs);
        Assert.Equal(0, RigProfile.Parse("""{ "name": "r", "calibration": { "cameraExposureMs": 0 }, "devices": [ { "id": "imu0", "kind": "imu", "rateHz": 400 } ] }""", "r.json").Calibration.CameraExposureMs);
    }
}

public class RigProfileRecordingTests
{
    [Theory]
    [InlineData("\"firstFlushSeconds\": -0.1")]
    [InlineData("\"firstFlushSeconds\": 0.6")]
    [InlineData("\"flushIntervalSeconds\": 0.02")]
    public void Parse_FirstFlushOutsideZeroToFlushInterval_NamesTheField(string field)
    {
        var e = Assert.Throws<RigProfileException>(() => RigProfile.Parse($$"""{ "name": "r", "recording": { {{field}} }, "devices": [ { "id": "imu0", "kind": "imu", "rateHz": 400 } ] }""", "r.json"));
        Assert.Equal("recording.firstFlushSeconds", e.Field);
    }

    [Theory]
    [InlineData("", 0.05)]
    [InlineData("\"firstFlushSeconds\": 0", 0)]
    [InlineData("\"firstFlushSeconds\": 0.5", 0.5)]
    public void Parse_FirstFlush_DefaultAndBounds(string field, double expected)
    {
        var rig = RigProfile.Parse($$"""{ "name": "r", "recording": { {{field}} }, "devices": [ { "id": "imu0", "kind": "imu", "rateHz": 400 } ] }""", "r.json");
        Assert.Equal(expected, rig.Recording.FirstFlushSeconds);
    }
}
