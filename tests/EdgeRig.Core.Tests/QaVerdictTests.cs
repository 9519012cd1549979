using EdgeRig.Core;

namespace EdgeRig.Core.Tests;

public class QaVerdictTests
{
    [Theory]
    [InlineData(QaVerdict.Pass, "pass")]
    [InlineData(QaVerdict.Warn, "warn")]
    [InlineData(QaVerdict.Fail, "fail")]
    public void Name_IsTheStoredSpelling_AndParsesBack(QaVerdict verdict, string name)
    {
        Assert.Equal(name, verdict.Name());
        Assert.Equal(verdict, QaVerdicts.Parse(name));
        Assert.Equal(verdict, QaVerdicts.Parse(" " + name.ToUpperInvariant() + " ")); // older catalogues, hand-edited files
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("passed")]
    [InlineData("0")]
    public void Parse_NoReportOrUnknownText_IsNull(string? text) => Assert.Null(QaVerdicts.Parse(text));

    [Fact]
    public void Order_WorstIsTheMaximum() =>
        Assert.Equal(QaVerdict.Fail, new[] { QaVerdict.Warn, QaVerdict.Fail, QaVerdict.Pass }.Max());

    [Fact]
    public void Name_OfAValueOutsideTheEnum_Throws() => Assert.Throws<ArgumentOutOfRangeException>(() => ((QaVerdict)7).Name());
}
