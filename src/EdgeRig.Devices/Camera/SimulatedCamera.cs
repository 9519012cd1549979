using EdgeRig.Core;
using EdgeRig.Devices.Simulation;
using OpenCvSharp;

namespace EdgeRig.Devices.Camera;

/// <summary>
/// A simulated MJPEG camera: renders a moving synthetic scene with OpenCvSharp and encodes each frame as JPEG.
/// Its sensor time is the frame counter. A world flash brightens a frame in proportion to how much of the
/// exposure it overlapped, so the flash can be timed to a fraction of a frame.
/// </summary>
public sealed class SimulatedCamera : SimulatedSensor
{
    /// <summary>Exposure time of every frame.</summary>
    public static readonly Duration Exposure = Duration.FromMilliseconds(10);

    private readonly Mat _background;
    private readonly Mat _frame;
    private readonly int[] _encodeParams;

    public SimulatedCamera(DeviceProfile profile, SimulatedWorld world, IRigClock clock)
        : base(profile, DescriptorFor(profile), world, clock)
    {
        _background = new Mat(profile.Height, profile.Width, MatType.CV_8UC3);
        // a static gradient with a grid: cheap to copy, gives JPEG realistic content
        using (var row = new Mat(1, profile.Width, MatType.CV_8UC3))
        {
            var seed = (byte)(profile.Id.Length * 37);
            for (int x = 0; x < profile.Width; x++)
                row.Set(0, x, new Vec3b((byte)(x * 255 / profile.Width), (byte)(80 + seed % 60), (byte)(255 - x * 255 / profile.Width)));
            Cv2.Resize(row, _background, new Size(profile.Width, profile.Height), interpolation: InterpolationFlags.Nearest);
        }
        for (int x = 0; x < profile.Width; x += 80)
            Cv2.Line(_background, new Point(x, 0), new Point(x, profile.Height), Scalar.All(40), 1);
        for (int y = 0; y < profile.Height; y += 80)
            Cv2.Line(_background, new Point(0, y), new Point(profile.Width, y), Scalar.All(40), 1);
        _frame = new Mat(profile.Height, profile.Width, MatType.CV_8UC3);
        _encodeParams = [(int)ImwriteFlags.JpegQuality, profile.JpegQuality];
    }

    public static StreamDescriptor DescriptorFor(DeviceProfile p) =>
        new(new StreamId(p.StreamName), Modality.Camera, Encodings.Jpeg, p.RateHz, "", p.Id, p.FrameId)
        {
            SensorTickRateHz = p.RateHz,
            Parameters = new Dictionary<string, string> { ["width"] = p.Width.ToString(), ["height"] = p.Height.ToString() },
        };

    protected override Duration DataSpan => Exposure;

    protected override ReadOnlyMemory<byte> Render(long k, HostTime trueStart)
    {
        _background.CopyTo(_frame);
        double t = (trueStart - World.Origin).TotalSeconds;
        int w = _frame.Width, h = _frame.Height;
        var center = new Point((int)(w / 2 + w / 3 * Math.Sin(t * 0.9)), (int)(h / 2 + h / 4 * Math.Sin(t * 1.7)));
        Cv2.Circle(_frame, center, h / 10, new Scalar(30, 200, 250), -1);
        Cv2.Rectangle(_frame, new Rect((int)(k * 7 % w), h - 90, 60, 60), new Scalar(250, 250, 250), -1);
        Cv2.PutText(_frame, $"{DeviceId} frame {k}", new Point(20, 50), HersheyFonts.HersheySimplex, 1.4, Scalar.White, 3);
        double flash = World.FlashOverlap(trueStart, trueStart + Exposure);
        if (flash > 0)
            Cv2.Add(_frame, Scalar.All(200 * flash), _frame);
        Cv2.ImEncode(".jpg", _frame, out byte[] jpeg, _encodeParams);
        return jpeg;
    }

    protected override void DisposeResources()
    {
        _frame.Dispose();
        _background.Dispose();
    }
}
