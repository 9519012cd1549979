using System.Buffers.Binary;
using EdgeRig.Calibration.Stimulus;
using EdgeRig.Core;
using OpenCvSharp;

namespace EdgeRig.Calibration.Tests;

/// <summary>
/// Generates recorded streams of a rig that fired stimuli at known times, with a known latency injected per stream: the
/// camera exposes 10 ms per 30 fps frame and brightens with its flash overlap, the microphone clicks at the exact instant,
/// the IMU's ax jumps, the LIDAR target steps 1.5 m -> 2.5 m for 0.45 s. Rig times carry Gaussian mapping noise.
/// </summary>
internal sealed class SyntheticStimulusRig(int seed, double mappingNoiseUs = 20)
{
    public static readonly RigTime Epoch = new(1_790_000_000_000_000_000);
    private readonly Random _random = new(seed);

    public double FlashMs { get; init; } = 20;
    public double ExposureMs { get; init; } = 10;
    public double FrameRateHz { get; init; } = 30;

    /// <summary>Stimulus times in ns after <see cref="Epoch"/>: the first at 1 s, then every 0.6-1.2 s.</summary>
    public List<double> Events(int count)
    {
        var list = new List<double>();
        double t = 1e9;
        for (int i = 0; i < count; i++) { list.Add(t); t += (0.6 + 0.6 * _random.NextDouble()) * 1e9; }
        return list;
    }

    public static List<StimulusReference> References(List<double> events) =>
        events.Select((t, i) => new StimulusReference(i + 1, Epoch + new Duration((long)t))).ToList();

    private RigTimestamp Stamp(double trueNs, double latencyMs)
    {
        double noise = Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble()) * mappingNoiseUs * 1e3;
        return new RigTimestamp(Epoch + new Duration((long)Math.Round(trueNs + latencyMs * 1e6 + noise)), Duration.FromMicroseconds(3 * mappingNoiseUs));
    }

    public RecordedStream Camera(string id, List<double> events, double latencyMs, double durationS)
    {
        var d = new StreamDescriptor(new StreamId(id), Modality.Camera, Encodings.Jpeg, FrameRateHz, "", id, id);
        using var background = new Mat(360, 640, MatType.CV_8UC3);
        Cv2.Randu(background, Scalar.All(0), Scalar.All(120));
        Cv2.GaussianBlur(background, background, new Size(9, 9), 3);
        var samples = new List<Sample>();
        double period = 1e9 / FrameRateHz, phase = _random.NextDouble() * period;
        using var frame = new Mat();
        for (long k = 0; phase + k * period < durationS * 1e9; k++)
        {
            double start = phase + k * period;
            double lit = events.Sum(e => Math.Max(0, Math.Min(start + ExposureMs * 1e6, e + FlashMs * 1e6) - Math.Max(start, e))) / (ExposureMs * 1e6);
            background.CopyTo(frame);
            Cv2.Rectangle(frame, new Rect((int)(k * 5 % 600), 200, 40, 40), Scalar.All(255), -1); // a moving object
            if (lit > 0) Cv2.Add(frame, Scalar.All(150 * lit), frame);
            Cv2.ImEncode(".jpg", frame, out byte[] jpeg, [(int)ImwriteFlags.JpegQuality, 85]);
            samples.Add(new Sample(d.Id, k, new SensorTime(k), default, Stamp(start, latencyMs), jpeg));
        }
        return new RecordedStream(d, samples);
    }

    public RecordedStream Microphone(string id, List<double> events, double latencyMs, double durationS, int rate = 48000, int block = 480)
    {
        var d = new StreamDescriptor(new StreamId(id), Modality.Audio, Encodings.PcmS16Le, (double)rate / block, "", id, id)
        {
            Parameters = new Dictionary<string, string> { ["sampleRate"] = rate.ToString(), ["channels"] = "1" },
        };
        var samples = new List<Sample>();
        for (long b = 0; b * block < durationS * rate; b++)
        {
            var pcm = new byte[block * 2];
            for (int f = 0; f < block; f++)
            {
                double t = (b * block + f) * 1e9 / rate;
                double v = 900 * Math.Sin(2 * Math.PI * 440 * t / 1e9) + (_random.NextDouble() - 0.5) * 300;
                foreach (double e in events)
                    if (t >= e && t < e + 3e6) v += 20000 * Math.Exp(-(t - e) / 6e5) * ((long)((t - e) / 1e5) % 2 == 0 ? 1 : -1);
                BinaryPrimitives.WriteInt16LittleEndian(pcm.AsSpan(f * 2), (short)Math.Clamp(v, short.MinValue, short.MaxValue));
            }
            samples.Add(new Sample(d.Id, b, new SensorTime(b * block), default, Stamp(b * block * 1e9 / rate, latencyMs), pcm));
        }
        return new RecordedStream(d, samples);
    }

    public RecordedStream Imu(string id, List<double> events, double latencyMs, double durationS, double rateHz = 400)
    {
        var d = new StreamDescriptor(new StreamId(id), Modality.Imu, Encodings.Imu6, rateHz, "m/s^2,rad/s", id, id);
        var samples = new List<Sample>();
        for (long k = 0; k / rateHz < durationS; k++)
        {
            double t = k * 1e9 / rateHz;
            double ax = (_random.NextDouble() - 0.5) * 0.1;
            foreach (double e in events)
                if (t >= e && t < e + 3e7) ax += 25 * Math.Exp(-(t - e) / 4e6);
            var payload = new byte[24];
            BinaryPrimitives.WriteSingleLittleEndian(payload, (float)ax);
            BinaryPrimitives.WriteSingleLittleEndian(payload.AsSpan(8), 9.81f);
            samples.Add(new Sample(d.Id, k, new SensorTime(k), default, Stamp(t, latencyMs), payload));
        }
        return new RecordedStream(d, samples);
    }

    public RecordedStream Lidar(string id, List<double> events, double latencyMs, double durationS, double rateHz = 10, int points = 450)
    {
        var d = new StreamDescriptor(new StreamId(id), Modality.Lidar, Encodings.LidarScan, rateHz, "rad,m", id, id);
        var samples = new List<Sample>();
        double period = 1e9 / rateHz;
        for (long k = 0; k * period < durationS * 1e9; k++)
        {
            var payload = new byte[points * 13];
            for (int i = 0; i < points; i++)
            {
                double angle = 2 * Math.PI * i / points, offset = period * i / points, t = k * period + offset;
                double range = Math.Abs(angle - Math.PI / 2) < Math.PI / 18 ? (events.Any(e => t >= e && t < e + 4.5e8) ? 2.5 : 1.5) : 3.0;
                var p = payload.AsSpan(i * 13);
                BinaryPrimitives.WriteSingleLittleEndian(p, (float)angle);
                BinaryPrimitives.WriteSingleLittleEndian(p[4..], (float)(range + (_random.NextDouble() - 0.5) * 0.02));
                p[8] = 150;
                BinaryPrimitives.WriteUInt32LittleEndian(p[9..], (uint)offset);
            }
            samples.Add(new Sample(d.Id, k, new SensorTime(k), default, Stamp(k * period, latencyMs), payload));
        }
        return new RecordedStream(d, samples);
    }
}
