using EdgeRig.Core;
using EdgeRig.Devices.Simulation;
using OpenCvSharp;

namespace EdgeRig.Devices.Camera;

/// <summary>
/// A simulated MJPEG camera: renders a synthetic scene with OpenCvSharp and encodes each frame as JPEG. Its sensor time is
/// the frame counter. The background is a textured panorama that shifts horizontally with the world's yaw (taken at the middle
/// of the exposure, as a real image averages its exposure), so optical flow sees the rig turn; a ball, a block and a caption
/// move on top. A world flash brightens a frame in proportion to how much of the exposure it overlapped, so the flash can be
/// timed to a fraction of a frame. Faults: "freeze" repeats the last frame's bytes, "black" sends black frames.
/// </summary>
public sealed class SimulatedCamera : SimulatedSensor
{
    /// <summary>Exposure time of every frame.</summary>
    public static readonly Duration Exposure = Duration.FromMilliseconds(10);

    /// <summary>Horizontal field of view: the panorama moves width / this many pixels per radian of yaw.</summary>
    public const double HorizontalFieldOfViewRad = Math.PI / 3;

    private readonly Mat _panorama;
    private readonly int _panoramaPeriod;
    private readonly double _radiansPerPixel;
    private readonly Mat _frame;
    private readonly int[] _encodeParams;
    private byte[]? _lastJpeg;
    private byte[]? _blackJpeg;

    public SimulatedCamera(DeviceProfile profile, SimulatedWorld world, IRigClock clock)
        : base(profile, DescriptorFor(profile), world, clock)
    {
        _radiansPerPixel = HorizontalFieldOfViewRad / profile.Width;
        _panoramaPeriod = 2 * profile.Width;
        _panorama = Panorama(profile, _panoramaPeriod);
        _frame = new Mat(profile.Height, profile.Width, MatType.CV_8UC3);
        _encodeParams = [(int)ImwriteFlags.JpegQuality, profile.JpegQuality];
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

    protected override ReadOnlyMemory<byte> Render(long k, HostTime trueStart)
    {
        switch (FaultAt(trueStart)?.Kind)
        {
            case "freeze" when _lastJpeg is not null:
                return _lastJpeg;
            case "black":
                if (_blackJpeg is null)
                {
                    using var black = new Mat(_frame.Rows, _frame.Cols, MatType.CV_8UC3, Scalar.Black);
                    _blackJpeg = Encode(black);
                }
                return _blackJpeg;
        }
        int w = _frame.Width, h = _frame.Height;
        double yawPixels = World.Yaw(trueStart + new Duration(Exposure.Nanoseconds / 2)) / _radiansPerPixel;
        int x0 = (int)Math.Round(-yawPixels % _panoramaPeriod);
        if (x0 < 0) x0 += _panoramaPeriod;
        using (var view = new Mat(_panorama, new Rect(x0, 0, w, h)))
            view.CopyTo(_frame);
        double t = (trueStart - World.Origin).TotalSeconds;
        var center = new Point((int)(w / 2 + w / 3 * Math.Sin(t * 0.9)), (int)(h / 2 + h / 4 * Math.Sin(t * 1.7)));
        Cv2.Circle(_frame, center, h / 10, new Scalar(30, 200, 250), -1);
        Cv2.Rectangle(_frame, new Rect((int)(k * 7 % w), h - 90, 60, 60), new Scalar(250, 250, 250), -1);
        Cv2.PutText(_frame, $"{DeviceId} frame {k}", new Point(20, 50), HersheyFonts.HersheySimplex, 1.4, Scalar.White, 3);
        double flash = World.FlashOverlap(trueStart, trueStart + Exposure);
        if (flash > 0)
            Cv2.Add(_frame, Scalar.All(200 * flash), _frame);
        return _lastJpeg = Encode(_frame);
    }

    private byte[] Encode(Mat image)
    {
        Cv2.ImEncode(".jpg", image, out byte[] jpeg, _encodeParams);
        return jpeg;
    }

    /// <summary>
    /// A horizontally periodic texture (period columns, plus one frame width repeated so any view is one rectangle): smooth
    /// blobs from seeded noise, dark to mid-bright (the flash detector needs dark pixels), with a grid for sharp edges.
    /// </summary>
    private static Mat Panorama(DeviceProfile p, int period)
    {
        const int cell = 40;
        int rows = p.Height / cell + 2, cols = period / cell;
        using var coarse = new Mat(rows, cols, MatType.CV_8UC3);
        var random = new Random(SimulationSeed.For(p.Id, 0x9a11));
        for (int y = 0; y < rows; y++)
            for (int x = 0; x < cols; x++)
                coarse.Set(y, x, new Vec3b((byte)random.Next(10, 150), (byte)random.Next(20, 120), (byte)random.Next(10, 170)));
        // cubic interpolation over a wrapped border keeps the texture smooth across the period's seam
        using var wrapped = new Mat();
        Cv2.CopyMakeBorder(coarse, wrapped, 0, 0, 2, 2, BorderTypes.Wrap);
        using var smooth = new Mat();
        Cv2.Resize(wrapped, smooth, new Size((cols + 4) * cell, rows * cell), interpolation: InterpolationFlags.Cubic);
        using var tile = new Mat(smooth, new Rect(2 * cell, 0, period, p.Height)).Clone();
        for (int x = 0; x < period; x += 80)
            Cv2.Line(tile, new Point(x, 0), new Point(x, p.Height), Scalar.All(40), 1);
        for (int y = 0; y < p.Height; y += 80)
            Cv2.Line(tile, new Point(0, y), new Point(period, y), Scalar.All(40), 1);
        var panorama = new Mat();
        using (var head = new Mat(tile, new Rect(0, 0, p.Width, p.Height)))
            Cv2.HConcat([tile, head], panorama);
        return panorama;
    }

    protected override void DisposeResources()
    {
        _frame.Dispose();
        _panorama.Dispose();
    }
}
