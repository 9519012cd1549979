using System.Buffers.Binary;
using EdgeRig.Core;
using OpenCvSharp;

namespace EdgeRig.Quality.Tests;

/// <summary>Streams shaped like the rig's (descriptors, payloads, rig times), into which the tests inject faults.</summary>
internal static class Synthetic
{
    public static readonly RigTime Start = RigTime.FromDateTimeOffset(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));

    public static RigTime At(double seconds) => Start + Duration.FromSeconds(seconds);

    public static double SecondsOf(RigTime? t) => (t ?? throw new InvalidOperationException("no time")).Nanoseconds / 1e9 - Start.Nanoseconds / 1e9;

    public static StreamDescriptor Camera(string id = "cam0", int width = 640, int height = 480, double rateHz = 30) =>
        new(new StreamId(id), Modality.Camera, Encodings.Jpeg, rateHz, "", id, id)
        {
            Parameters = new Dictionary<string, string> { ["width"] = width.ToString(), ["height"] = height.ToString() },
        };

    public static StreamDescriptor Microphone(string id = "mic0", int sampleRate = 48000, int channels = 2, int blockFrames = 480) =>
        new(new StreamId(id), Modality.Audio, Encodings.PcmS16Le, (double)sampleRate / blockFrames, "", id, id)
        {
            Parameters = new Dictionary<string, string> { ["sampleRate"] = sampleRate.ToString(), ["channels"] = channels.ToString(), ["blockFrames"] = blockFrames.ToString() },
        };

    public static StreamDescriptor Imu(string id = "imu0", double rateHz = 400, Dictionary<string, string>? parameters = null) =>
        new(new StreamId(id), Modality.Imu, Encodings.Imu6, rateHz, "m/s^2,rad/s", id, id) { Parameters = parameters ?? [] };

    public static StreamDescriptor Lidar(string id = "lidar0", double rateHz = 10, int points = 450) =>
        new(new StreamId(id), Modality.Lidar, Encodings.LidarScan, rateHz, "rad,m", id, id)
        {
            Parameters = new Dictionary<string, string> { ["pointsPerScan"] = points.ToString() },
        };

    public static StreamDescriptor Button(string id = "button0") =>
        new(new StreamId(id), Modality.Gpio, Encodings.GpioEdge, 0, "edge", id, "rig");

    public static Sample Stamp(StreamDescriptor d, long sequence, double seconds, byte[] payload, double boundMs = 0.5) =>
        new(d.Id, sequence, new SensorTime(sequence), new HostTime(1_000_000_000 + (long)(seconds * 1e9)),
            new RigTimestamp(At(seconds), Duration.FromMilliseconds(boundMs)), payload);

    /// <summary>Sample k at k / rate seconds for <paramref name="seconds"/>; a null payload withholds the sample (its sequence number is used up).</summary>
    public static IEnumerable<Sample> Periodic(StreamDescriptor d, double seconds, Func<long, double, byte[]?> payload)
    {
        long n = (long)Math.Round(seconds * d.NominalRateHz);
        for (long k = 0; k < n; k++)
        {
            double t = k / d.NominalRateHz;
            if (payload(k, t) is { } p) yield return Stamp(d, k, t, p);
        }
    }

    /// <summary>One block of interleaved s16le: a 440 Hz sine of the given amplitude (clamped to 16 bits) plus uniform noise.</summary>
    public static byte[] AudioBlock(long firstFrame, int frames = 480, int channels = 2, double amplitude = 900, double noise = 150, Random? rng = null, double sampleRate = 48000)
    {
        var buffer = new byte[frames * channels * 2];
        for (int f = 0; f < frames; f++)
        {
            double v = amplitude * Math.Sin(2 * Math.PI * 440 * (firstFrame + f) / sampleRate) + (rng is null ? 0 : (rng.NextDouble() - 0.5) * 2 * noise);
            short s = (short)Math.Clamp(Math.Round(v), short.MinValue, short.MaxValue);
            for (int c = 0; c < channels; c++)
                BinaryPrimitives.WriteInt16LittleEndian(buffer.AsSpan((f * channels + c) * 2), s);
        }
        return buffer;
    }

    /// <summary>An IMU at rest on a slowly turning rig: gravity on z, noise on every axis.</summary>
    public static byte[] ImuSample(Random rng, double t, Func<int, float, float>? axis = null)
    {
        float Noise(double sd) => (float)((rng.NextDouble() - 0.5) * 3.46 * sd);
        float[] v = [Noise(0.03), Noise(0.03), 9.81f + Noise(0.03), Noise(0.002), Noise(0.002), (float)(0.3 * Math.Sin(2 * Math.PI * 0.2 * t)) + Noise(0.002)];
        var buffer = new byte[24];
        for (int i = 0; i < 6; i++)
            BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(i * 4), axis is null ? v[i] : axis(i, v[i]));
        return buffer;
    }

    /// <summary>One revolution in a 6 m × 4 m room, a share of points with no return (range 0).</summary>
    public static byte[] LidarScan(Random rng, int points = 450, double zeroShare = 0)
    {
        var buffer = new byte[points * 13];
        for (int i = 0; i < points; i++)
        {
            double angle = 2 * Math.PI * i / points, c = Math.Abs(Math.Cos(angle)), s = Math.Abs(Math.Sin(angle));
            double range = Math.Min(c > 1e-9 ? 3 / c : double.MaxValue, s > 1e-9 ? 2 / s : double.MaxValue) + (rng.NextDouble() - 0.5) * 0.02;
            if (rng.NextDouble() < zeroShare) range = 0;
            var span = buffer.AsSpan(i * 13);
            BinaryPrimitives.WriteSingleLittleEndian(span, (float)angle);
            BinaryPrimitives.WriteSingleLittleEndian(span[4..], (float)range);
            span[8] = (byte)(120 + rng.Next(40));
            BinaryPrimitives.WriteUInt32LittleEndian(span[9..], (uint)(100_000_000L * i / points));
        }
        return buffer;
    }

    public static QaReport Run(IReadOnlyList<StreamDescriptor> streams, IEnumerable<Sample> samples, double endSeconds, QaProfile? profile = null,
        bool final = true, Dictionary<string, StreamCounts>? counts = null, Dictionary<string, BoundStats>? sync = null, CalibrationInfo? calibration = null)
    {
        var qa = new SessionQa(streams, profile ?? new QaProfile(), Start);
        foreach (var s in samples) qa.Observe(s);
        return qa.Report(At(endSeconds), counts ?? [], sync ?? [], calibration, final);
    }

    public static QaFinding Finding(QaReport report, string stream, string check) =>
        Assert.Single(report.Findings, f => f.Stream == stream && f.Check == check);

    public static QaCheck Check(QaReport report, string stream, string check) =>
        Assert.Single(report.Stream(stream)!.Checks, c => c.Check == check);

    /// <summary>Asserts a finding covers [from, to] seconds since the start, each within <paramref name="tolerance"/>.</summary>
    public static void Covers(QaFinding finding, double from, double to, double tolerance)
    {
        Assert.InRange(SecondsOf(finding.From), from - tolerance, from + tolerance);
        Assert.InRange(SecondsOf(finding.To), to - tolerance, to + tolerance);
    }
}

/// <summary>A camera's view for JPEG frames: a gradient with a grid, a moving disc, and per-frame sensor noise.</summary>
internal sealed class CameraScene : IDisposable
{
    private readonly Mat _background;
    private readonly bool _moving;
    private readonly double _noise;

    public CameraScene(int width = 640, int height = 480, bool moving = true, double noiseSigma = 2)
    {
        _moving = moving;
        _noise = noiseSigma;
        _background = new Mat(height, width, MatType.CV_8UC3);
        for (int x = 0; x < width; x += 8)
            Cv2.Rectangle(_background, new Rect(x, 0, 8, height), new Scalar(x * 255 / width, 110, 255 - x * 255 / width), -1);
        for (int x = 0; x < width; x += 64) Cv2.Line(_background, new Point(x, 0), new Point(x, height), Scalar.All(40));
        for (int y = 0; y < height; y += 64) Cv2.Line(_background, new Point(0, y), new Point(width, y), Scalar.All(40));
    }

    public int Width => _background.Width;
    public int Height => _background.Height;

    /// <summary>The view at <paramref name="t"/> seconds (caller disposes).</summary>
    public Mat Render(double t)
    {
        var frame = _background.Clone();
        int w = frame.Width, h = frame.Height;
        if (_moving)
        {
            Cv2.Circle(frame, new Point((int)(w / 2 + w / 3 * Math.Sin(t * 0.9)), (int)(h / 2 + h / 4 * Math.Sin(t * 1.7))), h / 10, new Scalar(30, 200, 250), -1);
            Cv2.Rectangle(frame, new Rect((int)(t * 210) % w, h - 70, 50, 50), Scalar.All(245), -1);
        }
        if (_noise > 0)
        {
            using var noise = new Mat(frame.Size(), MatType.CV_16SC3);
            Cv2.Randn(noise, Scalar.All(0), Scalar.All(_noise));
            using var wide = new Mat();
            frame.ConvertTo(wide, MatType.CV_16SC3);
            Cv2.Add(wide, noise, wide);
            wide.ConvertTo(frame, MatType.CV_8UC3);
        }
        return frame;
    }

    public byte[] Jpeg(double t)
    {
        using var frame = Render(t);
        return Encode(frame);
    }

    public static byte[] Encode(Mat frame, bool optimize = false)
    {
        Cv2.ImEncode(".jpg", frame, out byte[] jpeg, [(int)ImwriteFlags.JpegQuality, 80, (int)ImwriteFlags.JpegOptimize, optimize ? 1 : 0]);
        return jpeg;
    }

    /// <summary>A lens-capped frame: dark level with a little noise.</summary>
    public static byte[] Black(int width = 640, int height = 480, double level = 3, double noise = 1)
    {
        using var frame = new Mat(height, width, MatType.CV_8UC3, Scalar.All(level));
        if (noise > 0)
        {
            using var n = new Mat(frame.Size(), MatType.CV_8UC3);
            Cv2.Randu(n, Scalar.All(0), Scalar.All(noise * 2 + 1));
            Cv2.Add(frame, n, frame);
        }
        return Encode(frame);
    }

    public void Dispose() => _background.Dispose();
}
