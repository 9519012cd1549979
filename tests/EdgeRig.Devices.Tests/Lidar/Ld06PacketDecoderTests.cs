using EdgeRig.Devices.Lidar;

namespace EdgeRig.Devices.Tests.Lidar;

public class Ld06PacketDecoderTests
{
    private static (List<Ld06Packet> Packets, Ld06PacketDecoder Decoder, List<string> Log) Decode(params byte[][] chunks)
    {
        var log = new List<string>();
        var decoder = new Ld06PacketDecoder { Log = log.Add };
        var packets = new List<Ld06Packet>();
        foreach (var c in chunks) decoder.Push(c, packets.Add);
        return (packets, decoder, log);
    }

    [Fact]
    public void Crc8_MatchesTheTableDrivenPolynomial0x4D()
    {
        Assert.Equal(0x00, Ld06Packet.Crc8([0x00]));
        Assert.Equal(0x4D, Ld06Packet.Crc8([0x01]));
        Assert.Equal(0x9A, Ld06Packet.Crc8([0x02]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(47)]
    [InlineData(1000)]
    public void CleanStream_SplitAnywhere_DecodesEveryPacket(int chunk)
    {
        var bytes = new Ld06StreamWriter().Next(40);
        var chunks = bytes.Chunk(chunk).ToArray();
        var (packets, decoder, _) = Decode(chunks);
        Assert.Equal(40, packets.Count);
        Assert.Equal(0, decoder.CorruptPackets);
        Assert.Equal(Ld06StreamWriter.RangeMmAt(0), packets[0].DistancesMm[0]);
    }

    [Fact]
    public void CorruptedByte_PacketCountedAndLogged_NextPacketDecoded()
    {
        var w = new Ld06StreamWriter();
        var bad = w.NextPacket().Encode();
        bad[10] ^= 0x40;
        var (packets, decoder, log) = Decode(w.Next(1), bad, w.Next(2));
        Assert.Equal(3, packets.Count);
        Assert.Equal(1, decoder.CorruptPackets);
        Assert.Contains("CRC", Assert.Single(log));
    }

    [Fact]
    public void TruncatedPacket_RunIntoTheNext_ResynchronisesOnTheNextHeader()
    {
        var w = new Ld06StreamWriter();
        var cut = w.NextPacket().Encode()[..30];
        var (packets, decoder, _) = Decode(w.Next(1), cut, w.Next(3));
        Assert.Equal(4, packets.Count);
        Assert.Equal(1, decoder.CorruptPackets);
    }

    [Fact]
    public void GarbageBeforeAndBetween_IsSkippedAndCounted()
    {
        var w = new Ld06StreamWriter();
        byte[] noise = [0x54, 0x00, 0xFF, 0x54, 0x54, 0x13];
        var (packets, decoder, _) = Decode(noise, w.Next(2), noise, w.Next(2));
        Assert.Equal(4, packets.Count);
        Assert.Equal(0, decoder.CorruptPackets);
        Assert.Equal(2 * noise.Length, decoder.SkippedBytes);
    }
}
