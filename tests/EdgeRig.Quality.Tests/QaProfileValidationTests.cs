using EdgeRig.Core;

namespace EdgeRig.Quality.Tests;

/// <summary>The rig file's "qa" section: wrong thresholds are refused with the field named.</summary>
public sealed class QaProfileValidationTests
{
    private static RigProfile Parse(string qa) => RigProfile.Parse($$"""
        {
          "name": "qa-test",
          "qa": {{qa}},
          "devices": [ { "id": "imu0", "kind": "imu", "driver": "sim", "rateHz": 400 } ]
        }
        """, "qa-test.json");

    [Theory]
    [InlineData("""{ "rateWarnRatio": 0.8, "rateFailRatio": 0.9 }""", "qa.rateWarnRatio")]
    [InlineData("""{ "gapWarnSeconds": 2, "gapFailSeconds": 1 }""", "qa.gapWarnSeconds")]
    [InlineData("""{ "clipFailRatio": -1 }""", "qa.clipWarnRatio")]
    [InlineData("""{ "frozenFailFrames": 1 }""", "qa.frozenFailFrames")]
    [InlineData("""{ "frozenWarnFrames": 20 }""", "qa.frozenWarnFrames")]
    [InlineData("""{ "blackWarnFrames": 0 }""", "qa.blackWarnFrames")]
    [InlineData("""{ "frozenMaxPixelDiff": 300 }""", "qa.frozenMaxPixelDiff")]
    [InlineData("""{ "saturatedWarnRatio": 1.5 }""", "qa.saturatedWarnRatio")]
    [InlineData("""{ "silenceDbfs": 3 }""", "qa.silenceDbfs")]
    [InlineData("""{ "stuckAxisFailSeconds": 0 }""", "qa.stuckAxisFailSeconds")]
    [InlineData("""{ "lidarBlindScanRatio": 0 }""", "qa.lidarBlindScanRatio")]
    [InlineData("""{ "stallFailSeconds": 0 }""", "qa.stallFailSeconds")]
    [InlineData("""{ "calibrationMaxAgeDays": -1 }""", "qa.calibrationMaxAgeDays")]
    public void Parse_BadThreshold_NamesTheField(string qa, string field)
    {
        var e = Assert.Throws<RigProfileException>(() => Parse(qa));

        Assert.Equal(field, e.Field);
        Assert.Contains(field, e.Message);
    }

    [Fact]
    public void Parse_GoodThresholds_ReachTheProfile()
    {
        var rig = Parse("""{ "frozenWarnFrames": 5, "frozenFailFrames": 30, "stallFailSeconds": 3.5, "frozenMaxPixelDiff": 1 }""");

        Assert.Equal((5, 30, 3.5, 1), (rig.Qa.FrozenWarnFrames, rig.Qa.FrozenFailFrames, rig.Qa.StallFailSeconds, rig.Qa.FrozenMaxPixelDiff));
    }
}
