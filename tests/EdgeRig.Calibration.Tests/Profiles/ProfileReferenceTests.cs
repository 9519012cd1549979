using EdgeRig.Calibration.Profiles;

namespace EdgeRig.Calibration.Tests.Profiles;

public sealed class ProfileReferenceTests
{
    [Theory]
    [InlineData("lab1", "lab1", null)]
    [InlineData("lab1@2", "lab1", 2)]
    [InlineData("rig-a_cal.v2@17", "rig-a_cal.v2", 17)]
    public void Parse_NameOrNameAtVersion_GivesBoth(string text, string name, int? version)
    {
        var reference = ProfileReference.Parse(text);

        Assert.Equal(new ProfileReference(name, version), reference);
        Assert.Equal(text, reference.ToString());
    }

    [Theory]
    [InlineData("", "must not be empty")]
    [InlineData("   ", "must not be empty")]
    [InlineData("lab1@", "the version after '@' must be a positive number")]
    [InlineData("lab1@0", "the version after '@' must be a positive number")]
    [InlineData("lab1@-3", "the version after '@' must be a positive number")]
    [InlineData("lab1@two", "the version after '@' must be a positive number")]
    [InlineData("lab1@ 2", "the version after '@' must be a positive number")]
    [InlineData("@2", "the profile name before '@' is empty")]
    [InlineData("lab 1@2", "profile name 'lab 1' must be 1-64 letters, digits, '-', '_' or '.'")]
    [InlineData("lab@home@2", "profile name 'lab@home' must be 1-64 letters")]
    public void TryParse_BadText_FailsNamingTheTextAndWhatIsWrong(string text, string problem)
    {
        Assert.False(ProfileReference.TryParse(text, out _, out string? error));

        Assert.StartsWith($"'{text}': ", error);
        Assert.Contains(problem, error);
    }

    [Fact]
    public void TryParse_NameLongerThanTheStoreAllows_Fails()
    {
        string name = new('a', ProfileReference.MaxNameLength + 1);

        Assert.True(ProfileReference.TryParse(name[1..], out _, out _));
        Assert.False(ProfileReference.TryParse(name, out _, out string? error));
        Assert.Contains("must be 1-64", error);
    }

    [Fact]
    public void Parse_BadText_ThrowsFormatExceptionWithTheReason()
    {
        var e = Assert.Throws<FormatException>(() => ProfileReference.Parse("lab1@x"));

        Assert.Equal("calibration 'lab1@x': the version after '@' must be a positive number", e.Message);
    }

    [Fact]
    public void Resolve_BadReference_RefusesBeforeAskingTheStore()
    {
        var store = new CalibrationProfileStore(new NoRecords());

        var e = Assert.Throws<ArgumentException>(() => store.Resolve("lab1@0"));

        Assert.Equal("calibration 'lab1@0': the version after '@' must be a positive number", e.Message);
    }

    /// <summary>A profile store that fails the test if it is read.</summary>
    private sealed class NoRecords : IProfileRecords
    {
        public void Insert(CalibrationProfile profile) => throw new InvalidOperationException("not expected");

        public IEnumerable<CalibrationProfile> All() => throw new InvalidOperationException("the store was read for a malformed reference");
    }
}
