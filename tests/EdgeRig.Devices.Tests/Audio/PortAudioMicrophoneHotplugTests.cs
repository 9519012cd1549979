using System.Buffers.Binary;
using EdgeRig.Core;
using EdgeRig.Devices.Audio;
using EdgeRig.Devices.Hotplug;
using EdgeRig.Timing;

namespace EdgeRig.Devices.Tests.Audio;

/// <summary>
/// The microphone losing its device: the ALSA file PCM's input FIFO starves and is removed (the stream stalls and the
/// PCM can no longer be opened, as with a USB microphone pulled), then is made again. Once the loss is noticed the
/// starved FIFO is closed, so the read PortAudio's thread is blocked in returns, as a pulled device's read fails.
/// Left blocked (the second test), Pa_AbortStream waits for that thread for ever: the microphone must abandon that
/// stream after its close timeout and open a new one. The waits' timeouts only keep a broken microphone from hanging the
/// run: the tests assert what happens, not how fast (that is for a benchmark).
/// </summary>
[Collection("portaudio")]
public class PortAudioMicrophoneHotplugTests
{
    private static DeviceProfile Profile => new()
    {
        Id = "mic0", Kind = "microphone", Driver = "portaudio", DeviceName = AlsaFileCapture.PcmName,
        RateHz = AlsaFileCapture.Rate, Channels = AlsaFileCapture.Channels, BlockFrames = AlsaFileCapture.BlockFrames,
    };

    [Fact]
    public async Task DeviceGoneThenBack_GapReportedWithStartAndEnd_Resumes()
    {
        var clock = new SystemRigClock();
        var sink = new CollectingSink();
        var events = new List<DeviceLinkEvent>();
        var mic = new PortAudioMicrophone(Profile, clock) { SilenceTimeout = TimeSpan.FromMilliseconds(300), RetryInterval = TimeSpan.FromMilliseconds(100) };
        mic.LinkChanged += e => { lock (events) events.Add(e); };
        using var alsa = new UnpluggableAlsaCapture();
        try
        {
            await mic.StartAsync(sink, CancellationToken.None);
            Assert.True(await sink.WaitFor(s => s.Length >= 20, TimeSpan.FromSeconds(5)), $"got {sink.Count} blocks");

            alsa.Unplug();
            Assert.True(await sink.WaitFor(_ => !mic.IsConnected, TimeSpan.FromSeconds(3)), "the loss was not noticed");
            alsa.CloseStarved();
            int beforeGap = sink.Count;
            await Task.Delay(500);
            Assert.False(mic.IsConnected, "reconnected to a device that is not there");

            alsa.PlugIn();
            Assert.True(await sink.WaitFor(s => s.Length > beforeGap + 5, TimeSpan.FromSeconds(10)), $"no audio after the device came back ({sink.Count - beforeGap} blocks)");
            Assert.True(mic.IsConnected);
            await mic.StopAsync();
        }
        finally
        {
            await mic.DisposeAsync();
        }

        AssertOneGapThenTheSignal(mic, sink.Snapshot(), events);
    }

    [Fact]
    public async Task DeviceStalledForGood_StreamAbandonedAfterCloseTimeout_Resumes_StopsWithoutWaitingForIt()
    {
        var clock = new SystemRigClock();
        var sink = new CollectingSink();
        var events = new List<DeviceLinkEvent>();
        var log = new List<string>();
        var mic = new PortAudioMicrophone(Profile, clock, m => { lock (log) log.Add(m); })
        {
            SilenceTimeout = TimeSpan.FromMilliseconds(300), RetryInterval = TimeSpan.FromMilliseconds(100), CloseTimeout = TimeSpan.FromMilliseconds(300),
        };
        mic.LinkChanged += e => { lock (events) events.Add(e); };
        using var alsa = new UnpluggableAlsaCapture();
        try
        {
            await mic.StartAsync(sink, CancellationToken.None);
            Assert.True(await sink.WaitFor(s => s.Length >= 20, TimeSpan.FromSeconds(5)), $"got {sink.Count} blocks");

            alsa.Unplug(); // the starved FIFO stays open: PortAudio's thread stays blocked in its read, and so would Pa_AbortStream
            Assert.True(await sink.WaitFor(_ => !mic.IsConnected, TimeSpan.FromSeconds(3)), "the loss was not noticed");
            int beforeGap = sink.Count;
            Assert.True(await sink.WaitFor(_ => mic.AbandonedStreams == 1, TimeSpan.FromSeconds(2)), "the stalled stream was not abandoned");
            await Task.Delay(300);
            Assert.False(mic.IsConnected, "reconnected to a device that is not there");

            alsa.PlugIn();
            Assert.True(await sink.WaitFor(s => s.Length > beforeGap + 5, TimeSpan.FromSeconds(10)), $"no audio after the device came back ({sink.Count - beforeGap} blocks)");
            Assert.True(mic.IsConnected);
            // the abandoned stream's read is still blocked (its FIFO is closed only below): stop must not wait for it
            await mic.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.DoesNotContain(Logged(log), m => m.Contains("closed at last"));
        }
        finally
        {
            await mic.DisposeAsync();
            alsa.CloseStarved(); // lets the abandoned stream's read, and so its abort, return
        }

        Assert.Equal(1, mic.AbandonedStreams);
        Assert.Contains(Logged(log), m => m.Contains("abandoned, its handle and thread left to PortAudio"));
        Assert.True(await sink.WaitFor(_ => Logged(log).Any(m => m.Contains("closed at last")), TimeSpan.FromSeconds(3)),
            "the abandoned stream did not close once its read returned: " + string.Join(" | ", Logged(log)));
        AssertOneGapThenTheSignal(mic, sink.Snapshot(), events);
    }

    private static string[] Logged(List<string> log)
    {
        lock (log) return [.. log];
    }

    /// <summary>One gap, reported lost then back, with nothing published from inside it; the new stream carries the signal from frame 0.</summary>
    private static void AssertOneGapThenTheSignal(PortAudioMicrophone mic, Sample[] samples, List<DeviceLinkEvent> events)
    {
        Assert.Equal([false, true], events.Select(e => e.Connected));
        Assert.True(events[1].At > events[0].At);
        Assert.Equal(1, mic.Disconnects);
        var jumps = Enumerable.Range(1, samples.Length - 1).Where(i => samples[i].Sequence != samples[i - 1].Sequence + 1).ToList();
        int resumed = Assert.Single(jumps);                          // the gap shows in the sequence, once
        Assert.DoesNotContain(samples, s => s.HostTime > events[0].At && s.HostTime < events[1].At); // nothing from inside the gap
        Assert.True(samples[resumed].HostTime - samples[resumed - 1].HostTime >= Duration.FromMilliseconds(500), "the gap must show in host time");
        Assert.Equal(0, samples[resumed].SensorTime.Ticks);          // the new stream counts frames from 0
        foreach (var s in samples[resumed..])                        // and carries the signal again
            Assert.Equal(AlsaFileCapture.Left(s.SensorTime.Ticks), BinaryPrimitives.ReadInt16LittleEndian(s.Payload.Span));
    }
}
