using EdgeRig.Formats;

namespace EdgeRig.Formats.Tests;

public sealed class PulledSessionManifestTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgerig-manifest-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static PulledSessionManifest With(string streamId, string chunkStream) => new(
        PulledSessionManifest.FormatName,
        new ManifestSession("s1", "n", "o", new Dictionary<string, string>(), 1, 2, "Complete", "rig", ""),
        [new ManifestStream(streamId, "Imu", "imu/accel-gyro-f32", 400, "", "imu0", "imu0", 0, "SensorClock", 0, 0, new Dictionary<string, string>())],
        new Dictionary<string, ManifestCounts>(), [],
        [new ManifestChunk(0, chunkStream, 0, 0, 0, 1, 1, 1, "None", 1, 1, 0, "00", ManifestChunk.RelativePath("imu0", 0))],
        "", DateTimeOffset.UnixEpoch);

    [Fact]
    public void Load_IdentifierStreams_Loads()
    {
        With("imu0", "imu0").Save(_dir);
        Assert.Equal("imu0", PulledSessionManifest.Load(_dir).Streams[0].Id);
    }

    [Theory]
    [InlineData("../imu0", "imu0", "streams[0].id")]
    [InlineData("imu0", "../../etc", "chunks[0].stream")]
    [InlineData("imu0", "imu0/..", "chunks[0].stream")]
    public void Load_StreamIdNotAnIdentifier_RefusedNamingTheField(string streamId, string chunkStream, string field)
    {
        With(streamId, chunkStream).Save(_dir);
        var e = Assert.Throws<InvalidDataException>(() => PulledSessionManifest.Load(_dir));
        Assert.Contains($"manifest.json: {field}: stream id '", e.Message);
    }
}
