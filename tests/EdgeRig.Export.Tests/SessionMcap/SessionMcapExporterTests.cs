using System.Security.Cryptography;
using EdgeRig.Core;
using EdgeRig.Export.Mcap;
using EdgeRig.Export.SessionMcap;
using EdgeRig.Export.SessionMcap.Foxglove;
using EdgeRig.Export.SessionMcap.Schemas;
using Google.Protobuf.Reflection;

namespace EdgeRig.Export.Tests.SessionMcap;

/// <summary>Session -> MCAP on a synthetic pulled folder, read back with the C# reader.</summary>
public sealed class SessionMcapExporterTests : IDisposable
{
    private readonly SyntheticSessionFolder _session = new();

    public void Dispose() => _session.Dispose();

    private (SessionMcapResult Result, byte[] Bytes) Export(SessionMcapOptions? options = null)
    {
        using var output = new MemoryStream();
        var result = SessionMcapExporter.Export(new PulledFolderSessionSource(_session.Folder), output, options);
        return (result, output.ToArray());
    }

    private static Dictionary<string, List<Message>> MessagesByTopic(byte[] mcap)
    {
        using var reader = new McapReader(new MemoryStream(mcap));
        var channels = reader.ReadSummary().Channels;
        return reader.ReadMessages().GroupBy(m => channels[m.ChannelId].Topic).ToDictionary(g => g.Key, g => g.ToList());
    }

    [Fact]
    public void Export_WholeFolder_EveryStreamAndMarkerWithFoxgloveSchemasInLogTimeOrder()
    {
        var (result, bytes) = Export();

        Assert.True(result.Complete);
        Assert.Equal(bytes.Length, result.Bytes);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), result.Sha256);
        var byTopic = MessagesByTopic(bytes);
        foreach (var (stream, plan) in SyntheticSessionFolder.Plan)
        {
            Assert.Equal(plan.Count, byTopic["/" + stream].Count);
            Assert.Equal(plan.Count, result.MessageCounts["/" + stream]);
        }
        Assert.Equal(2, byTopic[SessionMcapExporter.MarkersTopic].Count);

        using var reader = new McapReader(new MemoryStream(bytes));
        var logTimes = reader.ReadMessages().Select(m => m.LogTime).ToList();
        Assert.Equal(logTimes.Order(), logTimes);
        var summary = reader.ReadSummary();
        var schemaOf = summary.Channels.Values.ToDictionary(c => c.Topic, c => summary.Schemas[c.SchemaId]);
        Assert.Equal("foxglove.CompressedImage", schemaOf["/cam0"].Name);
        Assert.Equal("foxglove.RawAudio", schemaOf["/mic0"].Name);
        Assert.Equal("foxglove.LaserScan", schemaOf["/lidar0"].Name);
        Assert.Equal("edgerig.export.v1.Imu", schemaOf["/imu0"].Name);
        Assert.Equal("edgerig.export.v1.GpioEdge", schemaOf["/button0"].Name);
        Assert.Equal("foxglove.Log", schemaOf["/markers"].Name);
        Assert.All(summary.Channels.Values, c => Assert.Equal("protobuf", c.MessageEncoding));
        Assert.All(summary.Schemas.Values, s => Assert.Equal("protobuf", s.Encoding));

        var laserFiles = FileDescriptorSet.Parser.ParseFrom(schemaOf["/lidar0"].Data).File.Select(f => f.Name).ToList();
        Assert.Equal(["foxglove/Quaternion.proto", "foxglove/Vector3.proto", "foxglove/Pose.proto", "google/protobuf/timestamp.proto", "foxglove/LaserScan.proto"], laserFiles);
    }

    [Fact]
    public void Export_Messages_CarryPayloadsRigAndHostTimes()
    {
        var byTopic = MessagesByTopic(Export().Bytes);

        var image = CompressedImage.Parser.ParseFrom(byTopic["/cam0"][3].Data);
        Assert.Equal("jpeg", image.Format);
        Assert.Equal("cam0_link", image.FrameId);
        Assert.Equal([0xFF, 0xD8, 0xFF, 0xE0, 3, 0xFF, 0xD9], image.Data.ToByteArray());
        long rig = SyntheticSessionFolder.RigNs("cam0", 3);
        Assert.Equal((ulong)rig, byTopic["/cam0"][3].LogTime);
        Assert.Equal((ulong)(rig - SyntheticSessionFolder.StartNs + 5_000), byTopic["/cam0"][3].PublishTime);
        Assert.Equal(rig, image.Timestamp.Seconds * 1_000_000_000 + image.Timestamp.Nanos);

        var audio = RawAudio.Parser.ParseFrom(byTopic["/mic0"][0].Data);
        Assert.Equal(("pcm-s16", 48000u, 2u), (audio.Format, audio.SampleRate, audio.NumberOfChannels));
        Assert.Equal(SyntheticSessionFolder.MicFrames * SyntheticSessionFolder.MicChannels * 2, audio.Data.Length);

        var scan = LaserScan.Parser.ParseFrom(byTopic["/lidar0"][2].Data);
        Assert.Equal(SyntheticSessionFolder.LidarPoints, scan.Ranges.Count);
        Assert.Equal(3.5, scan.Ranges[0], 5);
        Assert.Equal(110, scan.Intensities[^1]);
        Assert.Equal(2 * Math.PI * 11 / 12, scan.EndAngle, 5);
        Assert.Equal(1, scan.Pose.Orientation.W);

        var imu = Imu.Parser.ParseFrom(byTopic["/imu0"][10].Data);
        Assert.Equal(1.0, imu.LinearAcceleration.X, 5);
        Assert.Equal(9.81, imu.LinearAcceleration.Z, 5);
        Assert.Equal(0.1, imu.AngularVelocity.Z, 5);

        var edge = GpioEdge.Parser.ParseFrom(byTopic["/button0"][1].Data);
        Assert.Equal((4u, 1u), (edge.Line, edge.Level));

        var marker = Log.Parser.ParseFrom(byTopic["/markers"][1].Data);
        Assert.Equal(("door opened: test", "user", Log.Types.Level.Info), (marker.Message, marker.Name, marker.Level));
    }

    [Fact]
    public void Export_SessionMetadata_RecordedAsEdgeRigSession()
    {
        var bytes = Export().Bytes;
        var metadata = McapReader.ReadAllRecords(new MemoryStream(bytes)).OfType<Metadata>().ToDictionary(m => m.Name);
        var session = metadata[SessionMcapExporter.SessionMetadataName].Entries;
        Assert.Equal("20260101-000000-abcd", session["id"]);
        Assert.Equal("ana", session["operator"]);
        Assert.Equal("lab", session["tag.site"]);
        Assert.Equal("Complete", session["state"]);
        Assert.Equal("produced=400 recorded=400 dropped=0 sensor_gaps=0", session["counts.imu0"]);
        Assert.Equal("true", metadata[SessionMcapExporter.ExportMetadataName].Entries["complete"]);
    }

    [Fact]
    public void Export_SameFolderTwice_ByteIdentical()
    {
        var first = Export();
        var second = Export();
        Assert.Equal(first.Bytes, second.Bytes);
        Assert.Equal(first.Result.Sha256, second.Result.Sha256);
    }

    [Theory]
    [InlineData(McapCompression.Zstd, "zstd")]
    [InlineData(McapCompression.Lz4, "lz4")]
    [InlineData(McapCompression.None, "")]
    public void Export_Compression_AppliedToEveryChunk(McapCompression compression, string name)
    {
        var (_, bytes) = Export(new SessionMcapOptions { Compression = compression });
        using var reader = new McapReader(new MemoryStream(bytes));
        var chunks = reader.ReadSummary().ChunkIndexes;
        Assert.NotEmpty(chunks);
        Assert.All(chunks, c => Assert.Equal(name, c.Compression));
        Assert.Equal(SyntheticSessionFolder.Plan["imu0"].Count, MessagesByTopic(bytes)["/imu0"].Count);
    }
}
