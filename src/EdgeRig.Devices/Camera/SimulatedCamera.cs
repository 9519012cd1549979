using EdgeRig.Core;
using EdgeRig.Devices.Simulation;
using EdgeRig.Imaging;

namespace EdgeRig.Devices.Camera;

/// <summary>
/// A simulated MJPEG camera: draws a synthetic scene straight into I420 planes and encodes each frame with libjpeg-turbo (no
/// colour conversion, no OpenCV). Its sensor time is the frame counter. The background is a textured panorama that shifts
/// horizontally with the world's yaw (taken at the middle of the exposure, as a real image averages its exposure), so optical
/// flow sees the rig turn; a ball, a block and the frame number move on top. A world flash brightens a frame in proportion to
/// how much of the exposure it overlapped, so the flash can be timed to a fraction of a frame. Faults: "freeze" repeats the
/// last frame's bytes, "black" sends black frames.
/// </summary>
public sealed class SimulatedCamera : SimulatedSensor
{
    /// <summary>Exposure time of every frame.</summary>
    public static readonly Duration Exposure = Duration.FromMilliseconds(10);

    /// <summary>Horizontal field of view: the panorama moves width / this many pixels per radian of yaw.</summary>
    public const double HorizontalFieldOfViewRad = Math.PI / 3;

    private static readonly YuvColor Ball = YuvColor.FromBgr(30, 200, 250), Block = YuvColor.Grey(250), Caption = YuvColor.Grey(255);

    private readonly I420Image _panorama;
    private readonly I420Image _frame;
    private readonly double _radiansPerPixel;
    private readonly int _quality;
    private readonly JpegCodec _codec = new();
    private byte[]? _lastJpeg;
    private byte[]? _blackJpeg;
    private readonly TargetRenderer? _target;
    private readonly RigidTransform _cameraFromRig;

    public SimulatedCamera(DeviceProfile profile, SimulatedWorld world, IRigClock clock)
        : base(profile, DescriptorFor(profile), world, clock)
    {
        if (profile.Width <= 0 || profile.Height <= 0 || profile.Width % 2 != 0 || profile.Height % 2 != 0)
            throw new ArgumentException($"devices.{profile.Id}: a simulated camera needs an even width and height, got {profile.Width}x{profile.Height}");
        _radiansPerPixel = HorizontalFieldOfViewRad / profile.Width;
        _panorama = Panorama(profile, 2 * profile.Width);
        _frame = new I420Image(profile.Width, profile.Height);
        _quality = profile.JpegQuality;
        _cameraFromRig = SimulatedGeometry.RigFromSensor(profile).Inverse();
        if (world.Target is not null) _target = new TargetRenderer(SimulatedGeometry.IntrinsicsOf(profile), profile.Width, profile.Height, SimulationSeed.For(profile.Id, world.Seed ^ 0x7a6e));
    }

    public static StreamDescriptor DescriptorFor(DeviceProfile p) =>
        new(new StreamId(p.StreamName), Modality.Camera, Encodings.Jpeg, p.RateHz, "", p.Id, p.FrameId)
        {
            SensorTickRateHz = p.RateHz,
            Parameters = new Dictionary<string, string> { ["width"] = p.Width.ToString(), ["height"] = p.Height.ToString() },
        };

    /// <summary>Angle per full-size pixel (the motion method's camera scale).</summary>
    public double RadiansPerPixel => _radiansPerPixel;

    protected override Duration DataSpan => Exposure;

    protected override void CheckCanStart()
    {
        if (JpegCodec.Probe() is { Found: false } jpeg) throw new IOException($"{DeviceId}: {jpeg.Unavailable}");
    }

    protected override ReadOnlyMemory<byte> Render(long k, HostTime trueStart)
    {
        switch (FaultAt(trueStart)?.Kind)
        {
            case "freeze" when _lastJpeg is not null:
                return _lastJpeg;
            case "black":
                if (_blackJpeg is null)
                {
                    var black = new I420Image(_frame.Width, _frame.Height);
                    black.Fill(YuvColor.Grey(0));
                    _blackJpeg = _codec.Encode(black, _quality);
                }
                return _blackJpeg;
        }
        int w = _frame.Width, h = _frame.Height;
        double yawPixels = World.Yaw(trueStart + new Duration(Exposure.Nanoseconds / 2)) / _radiansPerPixel;
        _frame.CopyWrappedFrom(_panorama, (int)Math.Round(-yawPixels % _panorama.Width));
        double t = (trueStart - World.Origin).TotalSeconds;
        _frame.FillCircle((int)(w / 2 + w / 3 * Math.Sin(t * 0.9)), (int)(h / 2 + h / 4 * Math.Sin(t * 1.7)), h / 10, Ball);
        _frame.FillRect((int)(k * 7 % w), h - 90, 60, 60, Block);
        SevenSegment.Draw(_frame, k, 20, 20, Math.Max(8, h / 16), Caption);
        if (_target is not null) DrawTarget(k, trueStart + new Duration(Exposure.Nanoseconds / 2));
        double flash = World.FlashOverlap(trueStart, trueStart + Exposure);
        if (flash > 0) _frame.AddLuma((int)Math.Round(200 * flash));
        return _lastJpeg = _codec.Encode(_frame, _quality);
    }

    /// <summary>The board as the camera sees it at mid-exposure (in front of everything else), and its truth to the world.</summary>
    private void DrawTarget(long k, HostTime trueMid)
    {
        var target = World.Target!;
        double seconds = World.SecondsAt(trueMid);
        if (target.WorldFromBoard(seconds) is not { } worldFromBoard) return;
        var worldFromRig = new RigidTransform(target.WorldFromRig(seconds), Vec3.Zero);
        var cameraFromBoard = _cameraFromRig * worldFromRig.Inverse() * worldFromBoard;
        if (_target!.Draw(_frame, target, cameraFromBoard))
            World.ReportTargetSeen(new TargetTruth(DeviceId, k, trueMid.Nanoseconds, SensorPose.From(worldFromBoard), SensorPose.From(worldFromRig), SensorPose.From(cameraFromBoard)));
    }

    /// <summary>
    /// A horizontally periodic texture, <paramref name="period"/> columns wide: smooth blobs from seeded noise (Catmull-Rom
    /// interpolation of a coarse random grid, wrapped across the seam), dark to mid-bright (the flash detector needs dark
    /// pixels), with a grid of dark lines for sharp edges.
    /// </summary>
    private static I420Image Panorama(DeviceProfile p, int period)
    {
        const int Cell = 40;
        int rows = p.Height / Cell + 2, cols = period / Cell;
        var coarse = new double[rows, cols, 3];
        var random = new Random(SimulationSeed.For(p.Id, 0x9a11));
        for (int y = 0; y < rows; y++)
            for (int x = 0; x < cols; x++)
            {
                coarse[y, x, 0] = random.Next(10, 150);
                coarse[y, x, 1] = random.Next(20, 120);
                coarse[y, x, 2] = random.Next(10, 170);
            }
        // along x (wrapped) for every coarse row, then along y (clamped) for every pixel row
        var horizontal = new double[rows, period, 3];
        for (int y = 0; y < rows; y++)
            for (int x = 0; x < period; x++)
            {
                double u = (x + 0.5) / Cell - 0.5;
                int i = (int)Math.Floor(u);
                for (int c = 0; c < 3; c++)
                    horizontal[y, x, c] = CatmullRom(u - i, coarse[y, Wrap(i - 1, cols), c], coarse[y, Wrap(i, cols), c],
                        coarse[y, Wrap(i + 1, cols), c], coarse[y, Wrap(i + 2, cols), c]);
            }
        var panorama = new I420Image(period, p.Height);
        Span<double> bgr = stackalloc double[3];
        for (int y = 0; y < p.Height; y++)
        {
            double v = (y + 0.5) / Cell - 0.5;
            int j = (int)Math.Floor(v);
            for (int x = 0; x < period; x++)
            {
                for (int c = 0; c < 3; c++)
                    bgr[c] = CatmullRom(v - j, horizontal[Clamp(j - 1, rows), x, c], horizontal[Clamp(j, rows), x, c],
                        horizontal[Clamp(j + 1, rows), x, c], horizontal[Clamp(j + 2, rows), x, c]);
                bool line = x % 80 == 0 || y % 80 == 0;
                var colour = line ? YuvColor.Grey(40) : YuvColor.FromBgr(Level(bgr[0]), Level(bgr[1]), Level(bgr[2]));
                if (x % 2 == 0 && y % 2 == 0) panorama.SetPixel(x, y, colour);
                else panorama.Y[y * period + x] = colour.Y;
            }
        }
        return panorama;

        static int Wrap(int i, int n) => ((i % n) + n) % n;
        static int Clamp(int i, int n) => Math.Clamp(i, 0, n - 1);
        static byte Level(double v) => (byte)Math.Clamp((int)Math.Round(v), 0, 255);
    }

    /// <summary>Cubic convolution with a = -0.75 (the kernel OpenCV's INTER_CUBIC uses): sharper blobs than Catmull-Rom's -0.5,
    /// which optical flow and the flash measure need (with -0.5 the motion method's intervals widened past tolerance).</summary>
    private static double CatmullRom(double t, double p0, double p1, double p2, double p3)
    {
        const double A = -0.75;
        static double Near(double x) => ((A + 2) * x - (A + 3)) * x * x + 1;            // |x| <= 1
        static double Far(double x) => ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;        // 1 < |x| < 2
        return p0 * Far(1 + t) + p1 * Near(t) + p2 * Near(1 - t) + p3 * Far(2 - t);
    }

    protected override void DisposeResources() => _codec.Dispose();
}
