using System.Buffers.Binary;
using EdgeRig.Core;
using EdgeRig.Devices.Audio;
using EdgeRig.Timing;

namespace EdgeRig.Devices.Tests.Audio;

/// <summary>libportaudio2 → ALSA → the file plugin fed through a FIFO with a known signal.</summary>
[Collection("portaudio")]
public class PortAudioMicrophoneAlsaTests
{
    private static DeviceProfile Profile(string name) => new()
    {
        Id = "mic0", Kind = "microphone", Driver = "portaudio", DeviceName = name,
        RateHz = AlsaFileCapture.Rate, Channels = AlsaFileCapture.Channels, BlockFrames = AlsaFileCapture.BlockFrames,
    };

    [Fact]
    public async Task AlsaFilePcm_BlocksCarryTheSignalAtTheirFrameIndex_WithMonotonicHostTimes()
    {
        var clock = new SystemRigClock();
        var sink = new CollectingSink();
        using (var alsa = new AlsaFileCapture())
        {
            Assert.Contains(PortAudioDevices.ListInputs(), d => d.Name == AlsaFileCapture.PcmName && d.HostApi == "ALSA");
            var mic = new PortAudioMicrophone(Profile(AlsaFileCapture.PcmName), clock);
            var started = clock.Now;
            await mic.StartAsync(sink, CancellationToken.None);
            Assert.True(await sink.WaitFor(s => s.Length >= 50, TimeSpan.FromSeconds(5)), $"got {sink.Count} blocks");
            await mic.DisposeAsync();
            Assert.Equal(0, mic.RingOverflows);
            Assert.Equal(0, mic.Disconnects);
            Assert.True(clock.Now - started >= Duration.FromMilliseconds(400), "50 blocks of 10 ms came faster than real time: not paced");
        }
        var samples = sink.Snapshot();
        for (int i = 0; i < samples.Length; i++)
        {
            var s = samples[i];
            Assert.Equal(i, s.Sequence);
            Assert.Equal((long)i * AlsaFileCapture.BlockFrames, s.SensorTime.Ticks);
            Assert.Equal(AlsaFileCapture.BlockFrames * AlsaFileCapture.Channels * 2, s.Payload.Length);
            var pcm = s.Payload.Span;
            for (int f = 0; f < AlsaFileCapture.BlockFrames; f += 37)
            {
                short expected = AlsaFileCapture.Left(s.SensorTime.Ticks + f);
                Assert.Equal(expected, BinaryPrimitives.ReadInt16LittleEndian(pcm[(f * 4)..]));
                Assert.Equal(-expected, BinaryPrimitives.ReadInt16LittleEndian(pcm[(f * 4 + 2)..]));
            }
            if (i > 0) Assert.True(s.HostTime > samples[i - 1].HostTime, $"host time of block {i} does not increase");
            Assert.InRange(s.HostTime.Nanoseconds, clock.Now.Nanoseconds - 10_000_000_000, clock.Now.Nanoseconds);
        }
    }

    [Fact]
    public async Task UnknownDeviceName_StartFailsNamingItAndTheDevicesThereAre()
    {
        using var alsa = new AlsaFileCapture();
        var mic = new PortAudioMicrophone(Profile("no-such-mic"), new SystemRigClock());
        var e = await Assert.ThrowsAsync<IOException>(() => mic.StartAsync(new CollectingSink(), CancellationToken.None));
        Assert.Contains("no-such-mic", e.Message);
        Assert.Contains(AlsaFileCapture.PcmName, e.Message);
    }
}
