using EdgeRig.Core;

namespace EdgeRig.Core.Tests;

public class TerminalTextTests
{
    [Theory]
    [InlineData("door opened", "door opened")]
    [InlineData("caf\u00e9 \u00fcber \u65e5\u672c", "caf\u00e9 \u00fcber \u65e5\u672c")]
    [InlineData("\u001b[31mred", "\\x1b[31mred")]
    [InlineData("nul\0byte", "nul\\x00byte")]
    [InlineData("two\nlines\r\ttab", "two\\x0alines\\x0d\\x09tab")]
    [InlineData("del\u007f c1\u009b", "del\\x7f c1\\x9b")]
    [InlineData("abc\u202edcba", "abc\\u202edcba")]
    [InlineData("\u202a\u202b\u202c\u202d", "\\u202a\\u202b\\u202c\\u202d")]
    [InlineData("\u2066x\u2067y\u2068z\u2069", "\\u2066x\\u2067y\\u2068z\\u2069")]
    [InlineData("\u200e\u200f\u061c", "\\u200e\\u200f\\u061c")]
    public void Escape_RendersControlAndBidiCharactersVisibly(string text, string shown) => Assert.Equal(shown, TerminalText.Escape(text));

    [Fact]
    public void Escape_Null_IsEmpty() => Assert.Equal("", TerminalText.Escape(null));

    [Fact]
    public void Escape_EveryC0AndC1Character_LeavesNoControlCharacter()
    {
        string all = new(Enumerable.Range(0, 0xA0).Select(i => (char)i).ToArray());
        Assert.DoesNotContain(TerminalText.Escape(all), char.IsControl);
    }
}
