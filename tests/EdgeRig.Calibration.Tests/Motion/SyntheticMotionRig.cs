using System.Buffers.Binary;
using EdgeRig.Calibration.Stimulus;
using EdgeRig.Core;
using OpenCvSharp;

namespace EdgeRig.Calibration.Tests.Motion;

/// <summary>
/// A rig turned about its vertical axis by a known yaw profile (a sum of sines, up to ~1.5 rad/s), with a known latency per
/// stream: a gyro (gz), a camera looking at a textured panorama (its view shifts by yaw x focal length) and a 2-D LIDAR in
/// a 6 m x 4 m room with a box. This stands in for the simulated world's rotation profile, which does not exist yet.
/// </summary>
internal sealed class SyntheticMotionRig(int seed)
{
    public static readonly RigTime Epoch = new(1_790_000_000_000_000_000);
    private const double FocalPx = 400;
    private readonly Random _random = new(seed);
    private readonly double[] _amplitude = [0.8, 0.5, 0.3], _frequencyHz = [0.37, 0.83, 1.7], _phase = [0.3, 1.9, 4.1];

    public double Yaw(double tNs)
    {
        double t = tNs / 1e9, a = 0;
        for (int i = 0; i < 3; i++) a += _amplitude[i] / (2 * Math.PI * _frequencyHz[i]) * Math.Sin(2 * Math.PI * _frequencyHz[i] * t + _phase[i]);
        return a;
    }

    public double YawRate(double tNs)
    {
        double t = tNs / 1e9, w = 0;
        for (int i = 0; i < 3; i++) w += _amplitude[i] * Math.Cos(2 * Math.PI * _frequencyHz[i] * t + _phase[i]);
        return w;
    }

    private RigTimestamp Stamp(double trueNs, double latencyMs) =>
        new(Epoch + new Duration((long)Math.Round(trueNs + latencyMs * 1e6 + (_random.NextDouble() - 0.5) * 40e3)), Duration.FromMicroseconds(60));

    public RecordedStream Gyro(double latencyMs, double seconds, double rateHz = 400)
    {
        var d = new StreamDescriptor(new StreamId("imu0"), Modality.Imu, Encodings.Imu6, rateHz, "m/s^2,rad/s", "imu0", "imu0");
        var samples = new List<Sample>();
        for (long k = 0; k < seconds * rateHz; k++)
        {
            double t = k * 1e9 / rateHz;
            var p = new byte[24];
            BinaryPrimitives.WriteSingleLittleEndian(p.AsSpan(8), 9.81f);
            BinaryPrimitives.WriteSingleLittleEndian(p.AsSpan(20), (float)(YawRate(t) + (_random.NextDouble() - 0.5) * 0.01));
            samples.Add(new Sample(d.Id, k, new SensorTime(k), default, Stamp(t, latencyMs), p));
        }
        return new RecordedStream(d, samples);
    }

    public RecordedStream Camera(double latencyMs, double seconds, double fps = 30)
    {
        var d = new StreamDescriptor(new StreamId("cam0"), Modality.Camera, Encodings.Jpeg, fps, "", "cam0", "cam0");
        using var panorama = new Mat(480, 4000, MatType.CV_8UC1);
        Cv2.Randu(panorama, Scalar.All(0), Scalar.All(255));
        Cv2.GaussianBlur(panorama, panorama, new Size(0, 0), 4);
        Cv2.Normalize(panorama, panorama, 0, 255, NormTypes.MinMax);
        var samples = new List<Sample>();
        using var view = new Mat();
        for (long k = 0; k < seconds * fps; k++)
        {
            double t = k * 1e9 / fps;
            Cv2.GetRectSubPix(panorama, new Size(640, 480), new Point2f((float)(2000 + Yaw(t) * FocalPx), 240), view);
            Cv2.ImEncode(".jpg", view, out byte[] jpeg, [(int)ImwriteFlags.JpegQuality, 90]);
            samples.Add(new Sample(d.Id, k, new SensorTime(k), default, Stamp(t, latencyMs), jpeg));
        }
        return new RecordedStream(d, samples);
    }

    public RecordedStream Lidar(double latencyMs, double seconds, double rateHz = 10, int points = 450)
    {
        var d = new StreamDescriptor(new StreamId("lidar0"), Modality.Lidar, Encodings.LidarScan, rateHz, "rad,m", "lidar0", "lidar0");
        var samples = new List<Sample>();
        double period = 1e9 / rateHz;
        for (long k = 0; k < seconds * rateHz; k++)
        {
            var payload = new byte[points * 13];
            for (int i = 0; i < points; i++)
            {
                double angle = 2 * Math.PI * i / points, offset = period * i / points;
                var p = payload.AsSpan(i * 13);
                BinaryPrimitives.WriteSingleLittleEndian(p, (float)angle);
                BinaryPrimitives.WriteSingleLittleEndian(p[4..], (float)(RoomRange(angle + Yaw(k * period + offset)) + (_random.NextDouble() - 0.5) * 0.02));
                BinaryPrimitives.WriteUInt32LittleEndian(p[9..], (uint)offset);
            }
            samples.Add(new Sample(d.Id, k, new SensorTime(k), default, Stamp(k * period, latencyMs), payload));
        }
        return new RecordedStream(d, samples);
    }

    /// <summary>Range along a world bearing in a 6 m x 4 m room whose +x wall has a 1 m deep alcove between bearings 0.1 and 0.4 rad.</summary>
    private static double RoomRange(double bearing)
    {
        double c = Math.Cos(bearing), s = Math.Sin(bearing);
        double wallX = bearing % (2 * Math.PI) is > 0.1 and < 0.4 ? 4.0 : 3.0;
        double rx = Math.Abs(c) > 1e-9 ? (c > 0 ? wallX : 3.0) / Math.Abs(c) : double.MaxValue;
        double ry = Math.Abs(s) > 1e-9 ? 2.0 / Math.Abs(s) : double.MaxValue;
        return Math.Min(rx, ry);
    }
}
