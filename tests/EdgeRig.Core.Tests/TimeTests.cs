using EdgeRig.Core;

namespace EdgeRig.Core.Tests;

public class TimeTests
{
    [Fact]
    public void HostTime_Subtraction_GivesDuration()
    {
        var a = new HostTime(5_000);
        var b = a + Duration.FromMicroseconds(3);
        Assert.Equal(new Duration(3_000), b - a);
        Assert.True(b > a);
    }

    [Fact]
    public void RigTime_RoundTripsThroughDateTimeOffset()
    {
        var t = new RigTime(1_795_000_000_123_456_700);
        Assert.Equal(t, RigTime.FromDateTimeOffset(t.ToDateTimeOffset()));
        Assert.Equal(2026, t.ToDateTimeOffset().Year);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("../etc")]
    public void StreamId_Invalid_Throws(string id) => Assert.Throws<ArgumentException>(() => new StreamId(id));

    [Fact]
    public void StreamDescriptor_NominalPeriod_FromRate()
    {
        var d = new StreamDescriptor(new StreamId("imu0"), Modality.Imu, Encodings.Imu6, 400, "", "imu0", "imu0");
        Assert.Equal(Duration.FromMilliseconds(2.5), d.NominalPeriod);
    }

    [Fact]
    public void SessionHash_DependsOnOrderAndContent()
    {
        var a = SessionHash.Compute([("cam0", 0, "aa"), ("cam0", 1, "bb")]);
        var b = SessionHash.Compute([("cam0", 1, "bb"), ("cam0", 0, "aa")]);
        var c = SessionHash.Compute([("cam0", 0, "aa"), ("cam0", 1, "bc")]);
        Assert.Equal(64, a.Length);
        Assert.NotEqual(a, b);
        Assert.NotEqual(a, c);
    }
}
