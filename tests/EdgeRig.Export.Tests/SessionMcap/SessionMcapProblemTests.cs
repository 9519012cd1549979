using EdgeRig.Core;
using EdgeRig.Export.Mcap;
using EdgeRig.Export.SessionMcap;

namespace EdgeRig.Export.Tests.SessionMcap;

/// <summary>Missing and corrupt chunks, stream and time filters, bad options and the attachment hook.</summary>
public sealed class SessionMcapProblemTests : IDisposable
{
    private readonly SyntheticSessionFolder _session = new();

    public void Dispose() => _session.Dispose();

    private (SessionMcapResult Result, byte[] Bytes) Export(SessionMcapOptions? options = null)
    {
        using var output = new MemoryStream();
        var result = SessionMcapExporter.Export(new PulledFolderSessionSource(_session.Folder), output, options);
        return (result, output.ToArray());
    }

    private static Dictionary<string, int> CountsByTopic(byte[] mcap)
    {
        using var reader = new McapReader(new MemoryStream(mcap));
        var channels = reader.ReadSummary().Channels;
        return reader.ReadMessages().GroupBy(m => channels[m.ChannelId].Topic).ToDictionary(g => g.Key, g => g.Count());
    }

    [Fact]
    public void Export_MissingAndCorruptChunks_ExportsTheRestAndNamesExactlyThose()
    {
        File.Delete(_session.ChunkPath("imu0", 1));
        byte[] cam = File.ReadAllBytes(_session.ChunkPath("cam0", 2));
        cam[^1] ^= 0x40;
        File.WriteAllBytes(_session.ChunkPath("cam0", 2), cam);

        var (result, bytes) = Export();

        Assert.False(result.Complete);
        Assert.Equal([("cam0", 2, ChunkProblemKind.Corrupt), ("imu0", 1, ChunkProblemKind.Missing)],
            result.Problems.Select(p => (p.Stream, p.Index, p.Kind)));
        var counts = CountsByTopic(bytes);
        Assert.Equal(30 - 7, counts["/cam0"]);
        Assert.Equal(400 - 128, counts["/imu0"]);
        Assert.Equal(100, counts["/mic0"]);
        var export = McapReader.ReadAllRecords(new MemoryStream(bytes)).OfType<Metadata>().Single(m => m.Name == SessionMcapExporter.ExportMetadataName);
        Assert.Equal("false", export.Entries["complete"]);
        Assert.Contains("cam0/2 corrupt", export.Entries["missing_or_corrupt_chunks"]);
        Assert.Contains("imu0/1 missing", export.Entries["missing_or_corrupt_chunks"]);
    }

    [Fact]
    public void Export_PartialPullFolder_NamesTheChunksTheRigCouldNotDeliver_ExportsTheRest()
    {
        // what `edgerig pull` leaves when the rig names cam0/2 as damaged: no file, a missing entry with the rig's reason
        var lost = _session.Manifest.Chunks.Single(c => c.Stream == "cam0" && c.Index == 2);
        File.Delete(_session.ChunkPath("cam0", 2));
        var missing = new Formats.ManifestMissingChunk(lost.Ordinal, lost.Stream, lost.Index, lost.FirstSequence, lost.LastSequence, lost.Count,
            lost.FirstRigNs, lost.LastRigNs, lost.Codec, lost.RawLength, lost.StoredLength, lost.Crc32C, "", "corrupt", "CRC32C 1234abcd does not match 00000000");
        var partial = _session.Manifest with { Chunks = _session.Manifest.Chunks.Where(c => c != lost).ToList(), Missing = [missing] };
        partial.Save(_session.Folder);

        var (result, bytes) = Export();

        Assert.False(result.Complete);
        var problem = Assert.Single(result.Problems);
        Assert.Equal(("cam0", 2, ChunkProblemKind.Corrupt), (problem.Stream, problem.Index, problem.Kind));
        Assert.Contains("damaged on the rig: CRC32C 1234abcd", problem.Reason);
        Assert.Equal(30 - 7, CountsByTopic(bytes)["/cam0"]);
        Assert.Equal(400, CountsByTopic(bytes)["/imu0"]);
    }

    [Fact]
    public void Export_StreamFilter_OnlyThoseStreamsAndMarkers()
    {
        var (result, bytes) = Export(new SessionMcapOptions { Streams = ["imu0", "cam0"] });
        Assert.Equal(["/cam0", "/imu0", "/markers"], result.MessageCounts.Keys);
        Assert.Equal(["/cam0", "/imu0", "/markers"], CountsByTopic(bytes).Keys.Order());
    }

    [Fact]
    public void Export_TimeRange_KeepsExactlyTheSamplesInsideIt()
    {
        long from = SyntheticSessionFolder.StartNs + 200_000_000, to = SyntheticSessionFolder.StartNs + 400_000_000;
        var (result, bytes) = Export(new SessionMcapOptions { From = new RigTime(from), To = new RigTime(to) });

        foreach (var (stream, _) in SyntheticSessionFolder.Plan)
        {
            int expected = Enumerable.Range(0, SyntheticSessionFolder.Plan[stream].Count)
                .Count(i => SyntheticSessionFolder.RigNs(stream, i) is var t && t >= from && t <= to);
            Assert.Equal(expected, result.MessageCounts["/" + stream]);
        }
        Assert.Equal(0, result.MessageCounts["/markers"]);
        using var reader = new McapReader(new MemoryStream(bytes));
        Assert.All(reader.ReadMessages(), m => Assert.InRange(m.LogTime, (ulong)from, (ulong)to));
        Assert.True(result.MessageCounts["/imu0"] > 0);
    }

    [Fact]
    public void Export_UnknownStreamOrBackwardsRange_ArgumentExceptionNamingIt()
    {
        var unknown = Assert.Throws<ArgumentException>(() => Export(new SessionMcapOptions { Streams = ["cam9"] }));
        Assert.Contains("cam9", unknown.Message);
        var backwards = Assert.Throws<ArgumentException>(() => Export(new SessionMcapOptions { From = new RigTime(10), To = new RigTime(5) }));
        Assert.Contains("before from", backwards.Message);
    }

    [Fact]
    public void Export_Attachments_StoredAsMcapAttachments()
    {
        var calibration = new SessionAttachment("calibration.json", "application/json", new RigTime(SyntheticSessionFolder.StartNs), "{\"k\":1}"u8.ToArray());
        var (_, bytes) = Export(new SessionMcapOptions { Attachments = [calibration] });
        var attachment = McapReader.ReadAllRecords(new MemoryStream(bytes)).OfType<Attachment>().Single();
        Assert.Equal(("calibration.json", "application/json"), (attachment.Name, attachment.MediaType));
        Assert.Equal(calibration.Data, attachment.Data);
    }
}
