using EdgeRig.Core;
using EdgeRig.Devices.Gpio;
using EdgeRig.Timing.Gpio;

namespace EdgeRig.Devices.Tests;

public class GpioChipMarkerButtonTests
{
    private sealed class ListSink : ISampleSink
    {
        public List<Sample> Samples { get; } = [];
        public void Publish(Sample sample) { lock (Samples) Samples.Add(sample); }
    }

    [Fact]
    public async Task Edges_FromTheLineFd_BecomeKernelStampedSamples()
    {
        using var pipe = new System.IO.Pipes.AnonymousPipeServerStream(System.IO.Pipes.PipeDirection.Out);
        var client = new System.IO.Pipes.AnonymousPipeClientStream(System.IO.Pipes.PipeDirection.In, pipe.ClientSafePipeHandle);
        var button = new GpioChipMarkerButton(new DeviceProfile { Id = "button0", Kind = "gpio-button", Driver = "gpiochip", Path = "/dev/gpiochip0", Line = 17 }, () => client);
        var sink = new ListSink();
        await button.StartAsync(sink, CancellationToken.None);
        pipe.Write(GpioV2Abi.EncodeEvent(new GpioEdgeEvent(2_000_000_000, true, 17, 1, 1)));
        pipe.Write(GpioV2Abi.EncodeEvent(new GpioEdgeEvent(2_120_000_000, false, 17, 2, 2)));
        pipe.Dispose(); // the device goes away
        for (int i = 0; i < 200 && button.Fault is null; i++) await Task.Delay(10);
        await button.StopAsync();

        Assert.Equal(2, sink.Samples.Count);
        Assert.Equal(new HostTime(2_000_000_000), sink.Samples[0].HostTime);
        Assert.Equal(new byte[] { 17, 1 }, sink.Samples[0].Payload.ToArray());
        Assert.Equal(new byte[] { 17, 0 }, sink.Samples[1].Payload.ToArray());
        Assert.Equal(TimestampSource.HostKernel, button.Descriptor.Timestamps);
        Assert.Equal("the GPIO line closed", button.Fault);
    }

    [Fact]
    public async Task MissingChip_StartFailsNamingIt()
    {
        var button = new GpioChipMarkerButton(new DeviceProfile { Id = "b", Kind = "gpio-button", Driver = "gpiochip", Path = "/dev/gpiochip-missing", Line = 3 });
        var e = await Assert.ThrowsAsync<IOException>(() => button.StartAsync(new ListSink(), CancellationToken.None));
        Assert.Contains("/dev/gpiochip-missing", e.Message);
    }

    [Fact]
    public void RigFile_GpiochipWithoutPath_IsRefusedNamingTheField()
    {
        var rig = new RigProfile { Name = "r", Devices = [new DeviceProfile { Id = "b", Kind = "gpio-button", Driver = "gpiochip" }] };
        var e = Assert.Throws<RigProfileException>(() => SimulatedRig.Create(rig, new Simulation.SimulatedWorld(new WorldProfile(), new Timing.FakeRigClock()), new Timing.FakeRigClock()));
        Assert.Equal("devices[0].path", e.Field);
    }
}
