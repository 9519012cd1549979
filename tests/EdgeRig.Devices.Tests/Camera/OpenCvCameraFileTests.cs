using EdgeRig.Core;
using EdgeRig.Devices.Camera;
using EdgeRig.Devices.Hotplug;
using EdgeRig.Timing;
using OpenCvSharp;

namespace EdgeRig.Devices.Tests.Camera;

/// <summary>The OpenCV camera's capture loop run on an MJPEG AVI written with VideoWriter.</summary>
public sealed class OpenCvCameraFileTests : IDisposable
{
    private const int Frames = 12;
    private const int LongClip = 60; // 0.6 s at 100 fps: the file is moved away well before the clip ends
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"edgerig-cam-{Guid.NewGuid():N}");

    public OpenCvCameraFileTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Writes frames whose grey level is 20 × their index, so order survives JPEG.</summary>
    internal static string WriteMjpegAvi(string path, int frames, int width = 320, int height = 240)
    {
        using var writer = new VideoWriter(path, FourCC.MJPG, 30, new Size(width, height));
        Assert.True(writer.IsOpened(), "VideoWriter cannot write MJPEG AVI here");
        using var frame = new Mat(height, width, MatType.CV_8UC3);
        for (int i = 0; i < frames; i++)
        {
            frame.SetTo(Scalar.All(20 * i));
            Cv2.PutText(frame, $"{i}", new Point(10, 40), HersheyFonts.HersheySimplex, 1, Scalar.All(255 - 20 * i), 2);
            writer.Write(frame);
        }
        return path;
    }

    private static DeviceProfile Profile(string path) =>
        new() { Id = "cam0", Kind = "camera", Driver = "opencv", Path = path, Width = 320, Height = 240, RateHz = 100 };

    private static double MeanGrey(ReadOnlyMemory<byte> jpeg)
    {
        using var m = Cv2.ImDecode(jpeg.ToArray(), ImreadModes.Grayscale);
        return Cv2.Mean(m).Val0;
    }

    [Fact]
    public async Task MjpegAvi_FramesPassedThroughUndecoded_InOrderWithFrameCounter()
    {
        string avi = WriteMjpegAvi(Path.Combine(_dir, "clip.avi"), Frames);
        byte[] file = File.ReadAllBytes(avi);
        await using var camera = new OpenCvCamera(Profile(avi), new SystemRigClock()) { RetryInterval = TimeSpan.FromSeconds(30) };
        var sink = new CollectingSink();
        await camera.StartAsync(sink, CancellationToken.None);
        Assert.True(await sink.WaitFor(_ => camera.Disconnects == 1, TimeSpan.FromSeconds(5)), "the clip's end was not seen");
        var samples = sink.Snapshot();

        Assert.Equal(Frames, samples.Length);
        Assert.Equal(Frames, camera.PassthroughFrames);
        Assert.Equal(0, camera.ReencodedFrames);
        for (int i = 0; i < Frames; i++)
        {
            var jpeg = samples[i].Payload.Span;
            Assert.True(jpeg[0] == 0xFF && jpeg[1] == 0xD8, $"frame {i} is not a JPEG");
            Assert.True(file.AsSpan().IndexOf(jpeg) >= 0, $"frame {i}'s bytes are not the file's: they were re-encoded");
            Assert.Equal(i, samples[i].SensorTime.Ticks);
            Assert.Equal(i, samples[i].Sequence);
            Assert.InRange(MeanGrey(samples[i].Payload), 20 * i - 12, 20 * i + 12);
        }
        Assert.True(samples.Zip(samples.Skip(1)).All(p => p.Second.HostTime > p.First.HostTime));
    }

    [Fact]
    public async Task FileGoneAndBack_GapReported_CaptureResumesWithin2s()
    {
        string avi = WriteMjpegAvi(Path.Combine(_dir, "clip.avi"), LongClip);
        string away = avi + ".away";
        var events = new List<DeviceLinkEvent>();
        await using var camera = new OpenCvCamera(Profile(avi), new SystemRigClock());
        camera.LinkChanged += e => { lock (events) events.Add(e); };
        var sink = new CollectingSink();
        await camera.StartAsync(sink, CancellationToken.None);
        Assert.True(await sink.WaitFor(s => s.Length >= 3, TimeSpan.FromSeconds(5)));
        File.Move(avi, away); // unplugged: once the open clip ends, the camera cannot be found
        Assert.True(await sink.WaitFor(_ => !camera.IsConnected, TimeSpan.FromSeconds(5)), "the end of the device was not seen");
        await Task.Delay(600);
        Assert.Equal(LongClip, sink.Count); // nothing published while gone
        File.Move(away, avi);
        var back = DateTime.UtcNow;
        bool resumed = await sink.WaitFor(s => s.Length > LongClip, TimeSpan.FromSeconds(2));

        Assert.True(resumed && DateTime.UtcNow - back < TimeSpan.FromSeconds(2), "no frame within 2 s of the camera coming back");
        var samples = sink.Snapshot();
        Assert.Equal(LongClip + 1, samples[LongClip].Sequence); // one number skipped: the recorder counts the gap
        Assert.Equal(0, samples[LongClip].SensorTime.Ticks);  // the device's own counter restarted
        Assert.Equal([false, true], events.Take(2).Select(e => e.Connected));
    }
}
