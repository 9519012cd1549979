namespace EdgeRig.Core.Tests;

/// <summary>The rig file's geometry: optional (old files load unchanged) and every wrong field named.</summary>
public sealed class RigProfileGeometryTests
{
    private const string Devices = "\"devices\": [ { \"id\": \"cam0\", \"kind\": \"camera\", \"width\": 64, \"height\": 48, \"rateHz\": 10 } ]";

    private const string Target = "\"target\": { \"columns\": 9, \"rows\": 6, \"squareM\": 0.04, " +
        "\"path\": [ { \"atSeconds\": 1, \"holdSeconds\": 1, \"centerM\": [0.8, 0, 0], \"tiltDeg\": [10, 0, 0] }, { \"atSeconds\": 3, \"centerM\": [0.7, 0.1, 0] } ], " +
        "\"rigSway\": { \"atSeconds\": 4, \"durationSeconds\": 5 } }";

    private static string Rig(string world = "", string device = "", string calibration = "") =>
        $"{{ \"name\": \"r\", \"world\": {{ \"seed\": 1{(world.Length > 0 ? ", " + world : "")} }}, " +
        $"\"devices\": [ {{ \"id\": \"cam0\", \"kind\": \"camera\", \"width\": 64, \"height\": 48, \"rateHz\": 10{(device.Length > 0 ? ", " + device : "")} }} ]" +
        $"{(calibration.Length > 0 ? ", \"calibration\": { \"spatial\": { " + calibration + " } }" : "")} }}";

    private static void AssertNames(string json, string field) =>
        Assert.Equal(field, Assert.Throws<RigProfileException>(() => RigProfile.Parse(json, "r.json")).Field);

    [Fact]
    public void Parse_NoGeometry_LoadsWithoutMountsOrTarget()
    {
        var rig = RigProfile.Parse($"{{ \"name\": \"r\", {Devices} }}", "r.json");
        Assert.Null(rig.World.Target);
        Assert.Null(rig.Devices[0].Mount);
        Assert.Null(rig.Devices[0].Intrinsics);
        Assert.Equal(12, rig.Calibration.Spatial.MinViews);
    }

    [Fact]
    public void Parse_FullGeometry_ReadsEveryField()
    {
        var rig = RigProfile.Parse(Rig(Target, "\"mount\": { \"translationM\": [0.1, 0.2, 0.3], \"rotationDeg\": [0, 0, 90] }, " +
            "\"intrinsics\": { \"fx\": 50, \"fy\": 51, \"cx\": 31.5, \"cy\": 23.5, \"k1\": -0.1 }", "\"minViews\": 20"), "r.json");
        var t = rig.World.Target!;
        Assert.Equal((9, 6, 0.04), (t.Columns, t.Rows, t.SquareM));
        Assert.Equal([0.7, 0.1, 0], t.Path[1].CenterM);
        Assert.Equal(5, t.RigSway!.DurationSeconds);
        Assert.Equal([0.1, 0.2, 0.3], rig.Devices[0].Mount!.TranslationM);
        Assert.Equal(51, rig.Devices[0].Intrinsics!.Fy);
        Assert.Equal(20, rig.Calibration.Spatial.MinViews);
    }

    [Theory]
    [InlineData("\"target\": { \"columns\": 9, \"rows\": 7, \"path\": [ { } ] }", "world.target.rows")]
    [InlineData("\"target\": { \"columns\": 2, \"rows\": 7, \"path\": [ { } ] }", "world.target.columns")]
    [InlineData("\"target\": { \"squareM\": 0, \"path\": [ { } ] }", "world.target.squareM")]
    [InlineData("\"target\": { \"path\": [] }", "world.target.path")]
    [InlineData("\"target\": { \"path\": [ { \"atSeconds\": 2, \"holdSeconds\": 1 }, { \"atSeconds\": 2.5 } ] }", "world.target.path[1].atSeconds")]
    [InlineData("\"target\": { \"path\": [ { \"centerM\": [1, 0] } ] }", "world.target.path[0].centerM")]
    [InlineData("\"target\": { \"path\": [ { \"tiltDeg\": [95, 0, 0] } ] }", "world.target.path[0].tiltDeg")]
    [InlineData("\"target\": { \"path\": [ { } ], \"rigSway\": { \"frequencyHz\": [1, 0, 1] } }", "world.target.rigSway.frequencyHz")]
    [InlineData("\"target\": { \"path\": [ { } ], \"rigSway\": { \"amplitudeDeg\": [1, 50, 1] } }", "world.target.rigSway.amplitudeDeg")]
    public void Parse_BadTarget_NamesTheField(string world, string field)
        => AssertNames(Rig(world), field);

    [Theory]
    [InlineData("\"mount\": { \"translationM\": [0, 0] }", "devices[0].mount.translationM")]
    [InlineData("\"mount\": { \"translationM\": [0, 0, 11] }", "devices[0].mount.translationM")]
    [InlineData("\"mount\": { \"rotationDeg\": [0, 0, 400] }", "devices[0].mount.rotationDeg")]
    public void Parse_BadMount_NamesTheField(string device, string field)
        => AssertNames(Rig(device: device), field);

    [Theory]
    [InlineData("\"minViews\": 2", "calibration.spatial.minViews")]
    [InlineData("\"minLidarViews\": 1", "calibration.spatial.minLidarViews")]
    [InlineData("\"maxReprojectionRmsPx\": 0", "calibration.spatial.maxReprojectionRmsPx")]
    [InlineData("\"maxFocalSigmaPercent\": -1", "calibration.spatial.maxFocalSigmaPercent")]
    [InlineData("\"minRotationRateRadPerS\": 0", "calibration.spatial.minRotationRateRadPerS")]
    public void Parse_BadSpatialTolerance_NamesTheField(string calibration, string field)
        => AssertNames(Rig(calibration: calibration), field);
}
