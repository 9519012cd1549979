using EdgeRig.Core;

namespace EdgeRig.Formats.Tests;

/// <summary><see cref="PulledSessionManifest.Create"/>: the one factory behind the CLI's pull and the rig's upload.</summary>
public sealed class PulledSessionManifestCreateTests
{
    private static readonly ManifestSession Session = new("s1", "walk", "ana", new Dictionary<string, string> { ["site"] = "lab" }, 100, 900, "Complete", "rig-a", "stopped");

    private static ManifestStream Stream(string id) =>
        new(id, "camera", "jpeg", 30, "", id, id, 0, "HostArrival", 0, 0, new Dictionary<string, string>());

    private static ManifestChunk Chunk(int ordinal, string stream, int index, string sha) =>
        new(ordinal, stream, index, index * 10, index * 10 + 9, 10, 100 + index, 200 + index, "None", 1000, 1000, 7, sha, ManifestChunk.RelativePath(stream, index));

    private static PulledSessionManifest Make(IReadOnlyDictionary<string, string> withheld, IReadOnlyList<ManifestMissingChunk> missing) =>
        PulledSessionManifest.Create(Session, [Stream("cam0"), Stream("mic0"), Stream("cam1")],
            [new("cam0", new ManifestCounts(10, 10, 0, 0)), new("mic0", new ManifestCounts(5, 4, 1, 0)), new("cam1", new ManifestCounts(3, 3, 0, 0))],
            [new ManifestMarker(300, "c", "", "api"), new ManifestMarker(100, "a", "", "api"), new ManifestMarker(300, "d", "", "gpio"), new ManifestMarker(200, "b", "", "api")],
            [Chunk(0, "cam0", 0, new string('1', 64)), Chunk(2, "cam1", 0, new string('2', 64))], missing, withheld, DateTimeOffset.UnixEpoch);

    [Fact]
    public void Create_WithheldStream_LeftOutOfStreamsAndCounts()
    {
        var m = Make(new Dictionary<string, string> { ["mic0"] = "consent missing" }, []);

        Assert.Equal(PulledSessionManifest.FormatName, m.Format);
        Assert.Equal(["cam0", "cam1"], m.Streams.Select(s => s.Id));
        Assert.Equal(["cam0", "cam1"], m.Counts.Keys.Order(StringComparer.Ordinal));
        Assert.True(m.Complete);
    }

    [Fact]
    public void Create_MarkersOutOfOrder_TimeOrderedTiesKeptInTheirOrder()
    {
        var m = Make(new Dictionary<string, string>(), []);

        Assert.Equal(["a", "b", "c", "d"], m.Markers.Select(x => x.Label));
    }

    [Fact]
    public void Create_MissingChunk_CoveredByTheSessionHashAndListed()
    {
        var lost = new ManifestMissingChunk(1, "cam0", 1, 10, 19, 10, 101, 201, "None", 1000, 1000, 7, new string('3', 64), "corrupt", "bad CRC");
        var whole = Make(new Dictionary<string, string>(), []);
        var partial = Make(new Dictionary<string, string>(), [lost]);

        Assert.NotEqual(whole.SessionSha256, partial.SessionSha256);
        Assert.Equal(SessionHash.Compute([("cam0", 0, new string('1', 64)), ("cam0", 1, new string('3', 64)), ("cam1", 0, new string('2', 64))]),
            partial.SessionSha256); // pull order: by ordinal, across pulled and missing chunks
        Assert.Equal([lost], partial.Missing);
        Assert.False(partial.Complete);
    }
}
