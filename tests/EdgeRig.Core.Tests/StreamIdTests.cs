using EdgeRig.Core;

namespace EdgeRig.Core.Tests;

public class StreamIdTests
{
    [Theory]
    [InlineData("cam0")]
    [InlineData("imu_left-2")]
    [InlineData("a")]
    public void New_Identifier_Accepted(string value) => Assert.Equal(value, new StreamId(value).Value);

    [Fact]
    public void New_SixtyFourCharacters_Accepted() => Assert.Equal(64, new StreamId("s" + new string('x', 63)).Value.Length);

    [Theory]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("../etc")]
    [InlineData("cam/0")]
    [InlineData("cam.0")]
    [InlineData("0cam")]
    [InlineData("_cam")]
    [InlineData("cam 0")]
    [InlineData("cam\u001b[2J")]
    [InlineData("cam\u202e0")]
    [InlineData("cam\u00e9")]
    public void New_NotAnIdentifier_Refused(string value) => Assert.Throws<ArgumentException>(() => new StreamId(value));

    [Fact]
    public void New_SixtyFiveCharacters_Refused() => Assert.Throws<ArgumentException>(() => new StreamId("s" + new string('x', 64)));

    [Fact]
    public void Parse_BadValue_MessageNamesFieldAndEscapesTheValue()
    {
        var e = Assert.Throws<ArgumentException>(() => StreamId.Parse("x\u001b]0;owned\u0007", "streams[2]"));
        Assert.StartsWith("streams[2]: stream id 'x\\x1b]0;owned\\x07'", e.Message);
        Assert.DoesNotContain('\u001b', e.Message);
    }
}
