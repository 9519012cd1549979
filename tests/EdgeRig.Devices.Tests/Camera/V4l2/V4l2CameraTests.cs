using EdgeRig.Core;
using EdgeRig.Devices.Camera;
using EdgeRig.Devices.Camera.V4l2;
using EdgeRig.Devices.Hotplug;
using EdgeRig.Imaging;
using EdgeRig.Timing;

namespace EdgeRig.Devices.Tests.Camera.V4l2;

/// <summary>The V4L2 camera's state machine against a fake kernel that replays DQBUF results.</summary>
public sealed class V4l2CameraTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20); // a liveness bound, never a measured time
    private const long T0 = 1_234_567_000_000; // ns on CLOCK_MONOTONIC, whole microseconds as the kernel's timeval holds them

    private static DeviceProfile Profile(string fourcc = "MJPG", int width = 320, int height = 240, double rate = 30) =>
        new() { Id = "cam0", Kind = "camera", Driver = "v4l2", Path = "/dev/video-fake", Fourcc = fourcc, Width = width, Height = height, RateHz = rate };

    private static V4l2Camera Camera(FakeV4l2Kernel kernel, DeviceProfile? profile = null) =>
        new(profile ?? Profile(), new FakeRigClock(), kernel.Open) { RetryInterval = TimeSpan.FromMilliseconds(5), StallTimeout = TimeSpan.FromDays(1) };

    /// <summary>A distinct JPEG-looking payload per frame (the driver passes MJPEG bytes through without decoding them).</summary>
    private static byte[] Jpeg(uint k) => [0xFF, 0xD8, 0xFF, 0xE0, (byte)k, (byte)(k >> 8), 0x42, 0xFF, 0xD9];

    private static FrameStep Frame(uint sequence) => new(sequence, T0 + sequence * 33_333_000L, Jpeg(sequence));

    private static async Task<Sample[]> Capture(V4l2Camera camera, Func<Sample[], bool> until)
    {
        var sink = new CollectingSink();
        await camera.StartAsync(sink, CancellationToken.None);
        Assert.True(await sink.WaitFor(until, Patience), $"the camera did not deliver what was scripted; it has {sink.Count} samples, fault: {camera.Fault}");
        await camera.StopAsync();
        return sink.Snapshot();
    }

    [Fact]
    public async Task Mjpeg_FramesCarryKernelTimeAndSequence_BytesUntouched_StreamStopsCleanly()
    {
        var kernel = new FakeV4l2Kernel();
        kernel.Script(Frame(0), Frame(1), Frame(2));
        await using var camera = Camera(kernel);

        var samples = await Capture(camera, s => s.Length == 3);

        Assert.Equal([0L, 1, 2], samples.Select(s => s.Sequence));
        Assert.Equal([0L, 1, 2], samples.Select(s => s.SensorTime.Ticks));
        Assert.Equal([T0, T0 + 33_333_000, T0 + 66_666_000], samples.Select(s => s.HostTime.Nanoseconds));
        for (uint k = 0; k < 3; k++) Assert.Equal(Jpeg(k), samples[k].Payload.ToArray());
        Assert.Equal(TimestampSource.HostKernel, camera.Descriptor.Timestamps);
        Assert.Equal(V4l2Camera.StartOfExposure, camera.Descriptor.Parameters[V4l2Camera.TimestampSourceKey]);
        Assert.Equal(V4l2Camera.MonotonicClock, camera.Descriptor.Parameters[V4l2Camera.TimestampClockKey]);
        Assert.Equal(["open", "S_FMT MJPG 320x240", "S_PARM 1/30", "REQBUFS 3", "STREAMON", "STREAMOFF", "REQBUFS 0", "close"], kernel.Log);
        Assert.Equal(0, kernel.LiveMappings);
        Assert.Equal(0, camera.DroppedFrames);
    }

    [Fact]
    public async Task EndOfFrameTimestamps_RecordedInTheStreamParameters()
    {
        var kernel = new FakeV4l2Kernel { TimestampFlags = V4l2Abi.BufFlagTimestampMonotonic | V4l2Abi.BufFlagTimestampSourceEof };
        kernel.Script(Frame(0));
        await using var camera = Camera(kernel);
        Assert.Equal(V4l2Camera.NotYetOpened, camera.Descriptor.Parameters[V4l2Camera.TimestampSourceKey]);

        await Capture(camera, s => s.Length == 1);

        Assert.Equal(V4l2Camera.EndOfFrame, camera.Descriptor.Parameters[V4l2Camera.TimestampSourceKey]);
    }

    [Fact]
    public async Task NoFrameIntervalSetting_CapturesAtTheDriversRate()
    {
        var kernel = new FakeV4l2Kernel { HasFrameIntervalSetting = false };
        kernel.Script(Frame(0), Frame(1));
        await using var camera = Camera(kernel);

        var samples = await Capture(camera, s => s.Length == 2);

        Assert.Equal([0L, 1], samples.Select(s => s.Sequence));
        Assert.Contains("S_PARM unsupported", kernel.Log);
    }

    [Fact]
    public async Task OpenFillsTheTimestampSource_WhileAReaderEnumeratesTheParameters()
    {
        var kernel = new FakeV4l2Kernel();
        await using var camera = Camera(kernel);
        using var reader = camera.Descriptor.Parameters.GetEnumerator(); // e.g. status or a new session storing the descriptor
        Assert.True(reader.MoveNext());

        await camera.StartAsync(new CollectingSink(), CancellationToken.None); // the open overwrites values of existing keys

        int rest = 0;
        while (reader.MoveNext()) rest++; // an added key would throw here; an overwritten value does not
        Assert.Equal(camera.Descriptor.Parameters.Count - 1, rest);
        Assert.Equal(V4l2Camera.StartOfExposure, camera.Descriptor.Parameters[V4l2Camera.TimestampSourceKey]);
        await camera.StopAsync();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(10_000)]
    public async Task SequenceJump_BecomesAGapOfTheMissingFrames(int missing)
    {
        var kernel = new FakeV4l2Kernel();
        uint after = 3 + (uint)missing;
        kernel.Script(Frame(0), Frame(1), Frame(2), Frame(after), Frame(after + 1));
        await using var camera = Camera(kernel);

        var samples = await Capture(camera, s => s.Length == 5);

        Assert.Equal([0L, 1, 2, 3 + missing, 4 + missing], samples.Select(s => s.Sequence));
        Assert.Equal([0L, 1, 2, after, after + 1], samples.Select(s => s.SensorTime.Ticks));
        Assert.Equal(missing, camera.DroppedFrames);
    }

    [Fact]
    public async Task DamagedFrame_LeftOutAsAOneFrameGap()
    {
        var kernel = new FakeV4l2Kernel();
        kernel.Script(Frame(0), Frame(1) with { ExtraFlags = V4l2Abi.BufFlagError }, Frame(2), Frame(3) with { Data = [] });
        kernel.Script(Frame(4));
        await using var camera = Camera(kernel);

        var samples = await Capture(camera, s => s.Length == 3);

        Assert.Equal([0L, 2, 4], samples.Select(s => s.Sequence));
        Assert.Equal(2, camera.DamagedFrames);
    }

    [Theory]
    [InlineData(Libc.ENoDev)]
    [InlineData(Libc.EIo)]
    public async Task DeviceVanishesOnDqbuf_LostThenFoundAtTheFirstOpenAfterItIsBack(int errno)
    {
        var kernel = new FakeV4l2Kernel();
        kernel.Script(Frame(0), Frame(1), Frame(2), new FailStep(errno, AbsentOpens: 3), Frame(0), Frame(1));
        await using var camera = Camera(kernel);
        var events = new List<DeviceLinkEvent>();
        camera.LinkChanged += e => { lock (events) events.Add(e); };

        var samples = await Capture(camera, s => s.Length == 5);

        Assert.Equal([0L, 1, 2, 4, 5], samples.Select(s => s.Sequence)); // one number skipped while it was gone
        Assert.Equal([0L, 1, 2, 0, 1], samples.Select(s => s.SensorTime.Ticks)); // the camera's count restarted
        Assert.Equal(3, kernel.FailedOpens);
        Assert.Equal(1 + 3 + 1, kernel.OpenAttempts); // the first open after the node was back succeeded: back within one RetryInterval
        Assert.Equal(1, camera.Disconnects);
        lock (events)
        {
            Assert.Equal([false, true], events.Select(e => e.Connected));
            Assert.Contains("VIDIOC_DQBUF", events[0].Reason);
            Assert.Contains($"errno {errno}", events[0].Reason);
        }
        Assert.Equal(0, kernel.LiveMappings);
    }

    [Fact]
    public async Task NodeRemovedWithoutAnError_LostAtTheFirstQuietPoll()
    {
        var kernel = new FakeV4l2Kernel();
        kernel.Script(Frame(0), Frame(1), new VanishStep(AbsentOpens: 2), Frame(7));
        await using var camera = Camera(kernel);
        var events = new List<DeviceLinkEvent>();
        camera.LinkChanged += e => { lock (events) events.Add(e); };

        var samples = await Capture(camera, s => s.Length == 3);

        Assert.Equal([0L, 1, 3], samples.Select(s => s.Sequence));
        Assert.Equal(1, kernel.PollsWhileGone);
        lock (events) Assert.Contains("the device node disappeared", events[0].Reason);
    }

    [Fact]
    public void DefaultRetry_FindsACameraWithin2sOfItsReturn()
    {
        var camera = new V4l2Camera(Profile(), new FakeRigClock(), new FakeV4l2Kernel().Open);
        Assert.True(camera.RetryInterval <= TimeSpan.FromSeconds(2), $"retry every {camera.RetryInterval}");
        Assert.True(camera.StallTimeout >= TimeSpan.FromSeconds(2), "a camera must be given time to deliver before it counts as hung");
    }

    [Theory]
    [InlineData(0u, 1u, 0)]
    [InlineData(7u, 10u, 2)]
    [InlineData(uint.MaxValue, 0u, 0)] // the __u32 count wraps
    [InlineData(uint.MaxValue - 1, 1u, 2)]
    [InlineData(5u, 5u, 0)]            // a repeated number: nothing lost
    [InlineData(500u, 0u, 0)]          // the count restarted
    public void GapBetween_CountsMissingSequenceNumbers(uint previous, uint next, long gap) =>
        Assert.Equal(gap, V4l2Camera.GapBetween(previous, next));

    [Theory]
    [InlineData("H264", 320, 240, 30, "offers MJPG, not H264")]
    [InlineData("MJPG", 1280, 720, 30, "offers MJPG at 320x240, 640x480, not 1280x720")]
    [InlineData("MJPG", 320, 240, 60, "offers MJPG 320x240 at 30 fps, 15 fps, not 60 fps")]
    public async Task ModeTheCameraLacks_StartFailsNamingThePathAndWhatItOffers(string fourcc, int width, int height, double rate, string offers)
    {
        var kernel = new FakeV4l2Kernel();
        await using var camera = Camera(kernel, Profile(fourcc, width, height, rate));

        var e = await Assert.ThrowsAsync<V4l2DeviceException>(() => camera.StartAsync(new CollectingSink(), CancellationToken.None));

        Assert.StartsWith("/dev/video-fake: 'Fake UVC Camera' ", e.Message);
        Assert.Contains(offers, e.Message);
        Assert.Equal(["open", "close"], kernel.Log);
    }

    [Fact]
    public async Task Yuyv_EncodedToAJpegThatDecodesAtTheFrameSize_LimitedRangeStretched()
    {
        const int W = 64, H = 48, Padding = 16;
        var kernel = new FakeV4l2Kernel { Fourcc = "YUYV", Sizes = [(W, H)], LinePadding = Padding };
        var yuyv = new byte[(2 * W + Padding) * H];
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x += 2)
            {
                byte luma = x < W / 2 ? (byte)16 : (byte)235; // limited-range black | white
                yuyv.AsSpan(y * (2 * W + Padding) + 2 * x, 4).Fill(luma);
                yuyv[y * (2 * W + Padding) + 2 * x + 1] = yuyv[y * (2 * W + Padding) + 2 * x + 3] = 128;
            }
        kernel.Script(new FrameStep(0, T0, yuyv));
        await using var camera = Camera(kernel, Profile("YUYV", W, H));

        var samples = await Capture(camera, s => s.Length == 1);

        using var codec = new JpegCodec();
        var grey = codec.TryDecodeGrey(samples[0].Payload.Span);
        Assert.NotNull(grey);
        Assert.Equal((W, H), (grey.Width, grey.Height));
        double Mean(int x0, int x1) => Enumerable.Range(0, H).SelectMany(y => Enumerable.Range(x0, x1 - x0).Select(x => (double)grey.Pixels[y * W + x])).Average();
        Assert.InRange(Mean(4, W / 2 - 4), 0, 6);
        Assert.InRange(Mean(W / 2 + 4, W - 4), 249, 255);
    }

    [Fact]
    public async Task FixExposure_ManualModeIn100UsUnits_KeptAcrossReopen_ReleaseRestoresTheMode()
    {
        var kernel = new FakeV4l2Kernel();
        kernel.Script(Frame(0));
        await using var camera = Camera(kernel);
        camera.FixExposure(Duration.FromMilliseconds(10)); // before the camera opens: applied when it does
        var sink = new CollectingSink();
        await camera.StartAsync(sink, CancellationToken.None);
        Assert.True(await sink.WaitFor(s => s.Length == 1, Patience));

        Assert.Equal(V4l2Abi.ExposureManual, kernel.Controls[V4l2Abi.CidExposureAuto]);
        Assert.Equal(100, kernel.Controls[V4l2Abi.CidExposureAbsolute]);
        camera.FixExposure(Duration.FromMicroseconds(2500)); // while open: at once
        Assert.Equal(25, kernel.Controls[V4l2Abi.CidExposureAbsolute]);
        camera.ReleaseExposure();
        Assert.Equal(V4l2Abi.ExposureAperturePriority, kernel.Controls[V4l2Abi.CidExposureAuto]);
        await camera.StopAsync();
    }

    [Fact]
    public async Task FixExposure_OnACameraWithoutTheControl_StillCaptures_SaysWhy()
    {
        var kernel = new FakeV4l2Kernel();
        kernel.Controls.Remove(V4l2Abi.CidExposureAbsolute);
        kernel.Script(Frame(0), Frame(1));
        await using var camera = Camera(kernel);
        camera.FixExposure(Duration.FromMilliseconds(10));

        var sink = new CollectingSink();
        await camera.StartAsync(sink, CancellationToken.None);

        Assert.True(await sink.WaitFor(s => s.Length == 2, Patience), $"{sink.Count} samples, fault: {camera.Fault}");
        Assert.Contains("VIDIOC_S_CTRL 0x009a0902", camera.ExposureFault);
        Assert.Throws<V4l2DeviceException>(() => camera.FixExposure(Duration.FromMilliseconds(5))); // asked while open: the caller hears it
        await camera.StopAsync();
    }
}
