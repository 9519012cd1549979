using System.Runtime.InteropServices;
using EdgeRig.Timing.Gpio;

namespace EdgeRig.Timing.Tests;

public class GpioV2Tests
{
    [Fact]
    public void Abi_IoctlNumberAndSizes_MatchLinuxGpioH()
    {
        // _IOWR(0xB4, 0x07, struct gpio_v2_line_request) with sizeof == 592, as in linux/gpio.h
        Assert.Equal(0xC250B407u, GpioV2Abi.GetLineIoctl);
        Assert.Equal(592, GpioV2Abi.LineRequestSize);
        Assert.Equal(48, GpioV2Abi.LineEventSize);
    }

    [Fact]
    public void BuildLineRequest_PutsOffsetsConsumerFlagsAndCount()
    {
        var r = GpioV2Abi.BuildLineRequest([17, 27], "edgerig-button0");
        Assert.Equal(17u, BitConverter.ToUInt32(r, 0));
        Assert.Equal(27u, BitConverter.ToUInt32(r, 4));
        Assert.Equal("edgerig-button0", System.Text.Encoding.ASCII.GetString(r, 256, 15));
        Assert.Equal(0, r[256 + 15]);
        Assert.Equal(GpioV2Abi.FlagInput | GpioV2Abi.FlagEdgeRising | GpioV2Abi.FlagEdgeFalling, GpioV2Abi.ReadFlags(r));
        Assert.Equal(2u, GpioV2Abi.ReadNumLines(r));
        Assert.Equal(0, GpioV2Abi.ReadFd(r));
    }

    [Fact]
    public void BuildLineRequest_TooManyLines_Throws() =>
        Assert.Throws<ArgumentException>(() => GpioV2Abi.BuildLineRequest(Enumerable.Range(0, 65).ToList(), "x"));

    [Fact]
    public void Reader_KernelRecordsThroughAPipe_YieldsEdgesAndCountsLostOnes()
    {
        using var pipe = new System.IO.Pipes.AnonymousPipeServerStream(System.IO.Pipes.PipeDirection.Out);
        using var client = new System.IO.Pipes.AnonymousPipeClientStream(System.IO.Pipes.PipeDirection.In, pipe.ClientSafePipeHandle);
        var sent = new[]
        {
            new GpioEdgeEvent(1_000_000_123, true, 17, 1, 1),
            new GpioEdgeEvent(1_120_000_456, false, 17, 2, 2),
            new GpioEdgeEvent(5_000_000_789, true, 17, 6, 6), // the kernel lost 3 events
        };
        foreach (var e in sent)
        {
            var bytes = GpioV2Abi.EncodeEvent(e);
            pipe.Write(bytes, 0, 20); // records may arrive in pieces
            pipe.Write(bytes, 20, bytes.Length - 20);
        }
        pipe.Dispose();
        var reader = new GpioEdgeReader(client);
        var got = new List<GpioEdgeEvent>();
        while (reader.TryRead(out var e)) got.Add(e);
        Assert.Equal(sent, got);
        Assert.Equal(3, reader.LostEvents);
    }

    [Fact]
    public void Reader_TornRecord_IsReported()
    {
        var bytes = GpioV2Abi.EncodeEvent(new GpioEdgeEvent(1, true, 4, 1, 1));
        var reader = new GpioEdgeReader(new MemoryStream(bytes, 0, 30));
        Assert.Throws<EndOfStreamException>(() => reader.TryRead(out _));
    }

    [Fact]
    public void ParseEvent_UnknownId_IsInvalidData()
    {
        var bytes = GpioV2Abi.EncodeEvent(new GpioEdgeEvent(1, true, 4, 1, 1));
        bytes[8] = 7;
        Assert.Throws<InvalidDataException>(() => GpioV2Abi.ParseEvent(bytes));
    }

    [Fact]
    public void Request_MissingChip_SaysWhichAndWhy()
    {
        Assert.True(RuntimeInformation.IsOSPlatform(OSPlatform.Linux));
        var e = Assert.Throws<IOException>(() => GpioChipLine.Request("/dev/gpiochip-does-not-exist", [17]));
        Assert.Contains("/dev/gpiochip-does-not-exist", e.Message);
        Assert.Contains("No such file", e.Message);
    }
}

public class PpsDeviceTests
{
    [Fact]
    public void FetchIoctl_MatchesLinuxPpsH() => Assert.Equal(0xC00870A4u, PpsDevice.FetchIoctl);

    [Fact]
    public void ParseFetchData_ReadsAssertSequenceAndTime()
    {
        var data = new byte[PpsDevice.FetchDataSize];
        BitConverter.GetBytes(42u).CopyTo(data, 0);
        BitConverter.GetBytes(1_795_000_000L).CopyTo(data, 8);
        BitConverter.GetBytes(123_456_789).CopyTo(data, 16);
        PpsDevice.WriteTimeout(data, TimeSpan.FromSeconds(1.5));
        Assert.Equal(new PpsPulse(42, 1_795_000_000_123_456_789), PpsDevice.ParseFetchData(data));
        Assert.Equal(1L, BitConverter.ToInt64(data, 48));
        Assert.Equal(500_000_000, BitConverter.ToInt32(data, 56));
    }

    [Fact]
    public void ParseFetchData_BadNanoseconds_IsInvalidData()
    {
        var data = new byte[PpsDevice.FetchDataSize];
        BitConverter.GetBytes(2_000_000_000).CopyTo(data, 16);
        Assert.Throws<InvalidDataException>(() => PpsDevice.ParseFetchData(data));
    }

    [Fact]
    public void Open_MissingDevice_NamesIt()
    {
        var e = Assert.Throws<IOException>(() => PpsDevice.Open("/dev/pps-does-not-exist"));
        Assert.Contains("/dev/pps-does-not-exist", e.Message);
    }
}
