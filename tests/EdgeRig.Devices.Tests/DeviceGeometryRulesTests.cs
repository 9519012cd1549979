using EdgeRig.Core;

namespace EdgeRig.Devices.Tests;

/// <summary>A camera's lens model in the rig file: only cameras have one, and a simulated camera's must invert over its image.</summary>
public sealed class DeviceGeometryRulesTests
{
    private static string Rig(string device) =>
        $"{{ \"name\": \"r\", \"devices\": [ {{ \"id\": \"cam0\", \"kind\": \"camera\", \"width\": 640, \"height\": 480, \"rateHz\": 10 }}, {device} ] }}";

    private const string Lidar = "{ \"id\": \"lidar0\", \"kind\": \"lidar\", \"rateHz\": 10, \"pointsPerScan\": 100";
    private const string Camera = "{ \"id\": \"cam1\", \"kind\": \"camera\", \"width\": 640, \"height\": 480, \"rateHz\": 10";

    [Theory]
    [InlineData(Lidar + ", \"intrinsics\": { \"fx\": 500, \"fy\": 500 } }", "devices[1].intrinsics")]
    [InlineData(Camera + ", \"intrinsics\": { \"fx\": 0, \"fy\": 500, \"cx\": 320, \"cy\": 240 } }", "devices[1].intrinsics.fx")]
    [InlineData(Camera + ", \"intrinsics\": { \"fx\": 500, \"fy\": 500, \"cx\": 700, \"cy\": 240 } }", "devices[1].intrinsics.cx")]
    [InlineData(Camera + ", \"intrinsics\": { \"fx\": 500, \"fy\": 500, \"cx\": 320, \"cy\": 240, \"k2\": 20 } }", "devices[1].intrinsics.k2")]
    [InlineData(Camera + ", \"intrinsics\": { \"fx\": 500, \"fy\": 500, \"cx\": 320, \"cy\": 240, \"k1\": -2 } }", "devices[1].intrinsics")]
    public void Parse_BadIntrinsics_NamesTheField(string device, string field)
    {
        var e = Assert.Throws<RigProfileException>(() => RigFile.Parse(Rig(device), "r.json"));
        Assert.Equal(field, e.Field);
    }

    [Fact]
    public void Parse_GoodIntrinsics_Loads() =>
        Assert.Equal(500, RigFile.Parse(Rig(Camera + ", \"intrinsics\": { \"fx\": 500, \"fy\": 500, \"cx\": 320, \"cy\": 240, \"k1\": -0.1 } }"), "r.json").Devices[1].Intrinsics!.Fx);
}
