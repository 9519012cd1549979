using EdgeRig.Calibration.Profiles;
using EdgeRig.Core;

namespace EdgeRig.Calibration.Tests.Profiles;

public sealed class CalibrationProfilesTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private readonly ListedProfiles _records = new();

    private CalibrationProfileStore Store() => new(_records);

    /// <summary>Saved versions in memory (the service keeps them in the catalogue).</summary>
    private sealed class ListedProfiles : IProfileRecords
    {
        private readonly List<CalibrationProfile> _saved = [];
        public void Insert(CalibrationProfile profile) => _saved.Add(profile);
        public IEnumerable<CalibrationProfile> All() => _saved.ToList();
    }

    private static StreamOffset Result(string stream, double offsetMs, string? failed = null) => failed is null
        ? new StreamOffset(stream, "stimulus/test", offsetMs * 1e6, offsetMs * 1e6 - 1e4, offsetMs * 1e6 + 1e4, [], null)
        : StreamOffset.Failed(stream, "stimulus/test", [], failed);

    private static CalibrationProfile Draft(string name, string rig, params StreamOffset[] results) =>
        CalibrationProfile.FromRun(name, rig, results, new Dictionary<string, string> { ["cam0"] = "cam0", ["mic0"] = "mic0" }, "ana", "bench", At);

    [Fact]
    public void Save_SameNameTwice_NumbersVersionsAndKeepsHistory()
    {
        var store = Store();
        store.Save(Draft("lab", "sim-default", Result("cam0", 22.0)));
        var second = store.Save(Draft("lab", "sim-default", Result("cam0", 22.1), Result("mic0", 3.0)));

        Assert.Equal(2, second.Version);
        Assert.Equal([1, 2], store.History("lab").Select(p => p.Version));
        Assert.Equal(22.1e6, store.Get("lab")!.For("cam0")!.OffsetNs);
        Assert.Equal(22.0e6, store.Get("lab", 1)!.For("cam0")!.OffsetNs);
        Assert.Equal(["lab"], store.ListLatest("sim-default").Select(p => p.Name));
        Assert.Empty(store.ListLatest("other-rig"));
    }

    [Fact]
    public void Save_NameOfAnotherRig_IsRefusedNamingBoth()
    {
        var store = Store();
        store.Save(Draft("lab", "sim-default", Result("cam0", 22.0)));

        var e = Assert.Throws<ArgumentException>(() => store.Save(Draft("lab", "pi-rig-2", Result("cam0", 22.0))));
        Assert.StartsWith("profile 'lab' belongs to rig 'sim-default', not 'pi-rig-2'", e.Message);
    }

    [Fact]
    public void FromRun_AnyStreamFailed_RefusesNamingTheStream()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Draft("lab", "sim-default", Result("cam0", 22.0), Result("mic0", 0, "mic0: only 2 of 20 stimuli detected")));
        Assert.Equal("not saving profile 'lab' from a failed run: mic0: only 2 of 20 stimuli detected", e.Message);
    }

    [Fact]
    public void Json_RoundTrip_GivesTheSameProfile()
    {
        var saved = Store().Save(Draft("lab", "sim-default", Result("cam0", 22.0), Result("mic0", 3.0)));

        var back = CalibrationProfile.FromJson(saved.ToJson());

        Assert.Equal(saved with { Streams = [] }, back with { Streams = [] });
        Assert.Equal(saved.Streams, back.Streams);
        Assert.Throws<FormatException>(() => CalibrationProfile.FromJson("{\"format\":\"something-else\"}"));
    }

    [Fact]
    public void Apply_TwoProfiles_RigTimesDifferByExactlyTheOffsetChangeAndSamplesAreUnchanged()
    {
        var cam = new StreamDescriptor(new StreamId("cam0"), Modality.Camera, Encodings.Jpeg, 30, "", "cam0", "cam0");
        var stored = Enumerable.Range(0, 10).Select(i => new Sample(cam.Id, i, new SensorTime(i), new HostTime(i), new RigTimestamp(new RigTime(1_000_000_000L + i * 33_333_333L), Duration.FromMicroseconds(50)), new byte[] { 1 })).ToList();
        var before = stored.Select(s => s.Rig.Time).ToList();
        var store = Store();
        var v1 = store.Save(Draft("lab", "sim-default", Result("cam0", 22.0)));
        var v2 = store.Save(Draft("lab", "sim-default", Result("cam0", 21.25)));

        var a = CalibrationApplier.Apply(v1, cam, stored).ToList();
        var b = CalibrationApplier.Apply(v2, cam, stored).ToList();

        Assert.All(a.Zip(b), p => Assert.Equal(750_000, (p.Second.Rig.Time - p.First.Rig.Time).Nanoseconds));
        Assert.Equal(stored[3].Rig.Time - Duration.FromMilliseconds(22), a[3].Rig.Time);
        Assert.Equal(before, stored.Select(s => s.Rig.Time));
    }

    [Fact]
    public void Apply_ProfileFromAnotherDevice_IsRefused()
    {
        var v1 = Store().Save(Draft("lab", "sim-default", Result("cam0", 22.0)));
        var swapped = new StreamDescriptor(new StreamId("cam0"), Modality.Camera, Encodings.Jpeg, 30, "", "cam-serial-B", "cam0");

        var e = Assert.Throws<InvalidOperationException>(() => CalibrationApplier.OffsetFor(v1, swapped));
        Assert.Contains("on device 'cam0', but this stream comes from 'cam-serial-B'", e.Message);
    }

}
