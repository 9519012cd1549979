using System.Buffers.Binary;
using System.Collections.Concurrent;
using EdgeRig.Core;
using EdgeRig.Recording;
using EdgeRig.Imaging;

namespace EdgeRig.Service.Dashboard;

/// <summary>Audio level of one block, per channel, in dBFS (full scale = 0; silence is floored at -120).</summary>
public sealed record AudioLevel(string Stream, double[] RmsDbfs, double[] PeakDbfs);

/// <summary>One LIDAR scan as x/y points in metres (sensor frame, x forward), for a top-down plot.</summary>
public sealed record LidarPoints(string Stream, double MaxRangeM, float[][] Points);

/// <summary>The latest IMU sample: acceleration in m/s² and angular rate in rad/s.</summary>
public sealed record ImuValues(string Stream, long Sequence, float[] AccelMs2, float[] GyroRads);

/// <summary>
/// Turns the pipeline's latest samples into previews: camera thumbnails (decoded at reduced size and re-encoded,
/// cached per frame), audio levels, LIDAR points and IMU values.
/// </summary>
public sealed class PreviewRenderer(RecordingPipeline pipeline, RigProfile? rig = null, Privacy.EgressPolicy? egress = null)
{
    /// <summary>Camera previews leave the rig (to a phone): where raw frames are stored and may need consent or raw access, they are redacted first.</summary>
    private bool RedactPreviews => rig is { } r && (r.Privacy.Redaction == RedactionPolicy.Export || r.Privacy.ConsentRequiredFor.Contains(ConsentScopes.Video));

    public const double SilenceDbfs = -120;
    private readonly ConcurrentDictionary<(string, int), (long Sequence, byte[] Jpeg)> _thumbnails = new();
    private readonly JpegCodec _codec = new(); // one per renderer, used under its lock

    private Sample? Latest(StreamDescriptor d) => pipeline.Latest(d.Id);

    public byte[]? CameraThumbnail(StreamDescriptor camera, int width)
    {
        if (Latest(camera) is not { } sample || sample.Payload.IsEmpty) return null;
        var key = (camera.Id.Value, width);
        if (_thumbnails.TryGetValue(key, out var cached) && cached.Sequence == sample.Sequence) return cached.Jpeg;
        var frame = sample.Payload;
        if (RedactPreviews)
        {
            if (egress?.Redactor is not { } redactor) return null; // no detector: no preview rather than a raw face
            frame = redactor.Redact(frame).Jpeg;
        }
        byte[] jpeg;
        lock (_codec)
        {
            if (!_codec.TryReadSize(frame.Span, out int fullWidth, out _)) return null;
            // the strongest DCT reduction that still leaves at least the thumbnail's width, then an area average down to it
            int scale = 8;
            while (scale > 1 && fullWidth / scale < width) scale /= 2;
            if (_codec.TryDecodeBgr(frame.Span, scale) is not { } decoded) return null;
            int height = Math.Max(1, (int)Math.Round(decoded.Height * (double)width / decoded.Width));
            jpeg = _codec.Encode(Resample.Area(decoded, width, height), 70);
        }
        _thumbnails[key] = (sample.Sequence, jpeg);
        return jpeg;
    }

    public AudioLevel? Audio(StreamDescriptor audio)
    {
        if (Latest(audio) is not { } sample) return null;
        int channels = audio.Parameters.TryGetValue("channels", out var c) && int.TryParse(c, out int n) && n > 0 ? n : 1;
        var span = sample.Payload.Span;
        int frames = span.Length / (2 * channels);
        var sumSquares = new double[channels];
        var peak = new double[channels];
        for (int f = 0; f < frames; f++)
            for (int ch = 0; ch < channels; ch++)
            {
                double v = BinaryPrimitives.ReadInt16LittleEndian(span.Slice((f * channels + ch) * 2)) / 32768.0;
                sumSquares[ch] += v * v;
                peak[ch] = Math.Max(peak[ch], Math.Abs(v));
            }
        return new AudioLevel(audio.Id.Value,
            sumSquares.Select(s => Dbfs(frames == 0 ? 0 : Math.Sqrt(s / frames))).ToArray(),
            peak.Select(Dbfs).ToArray());
    }

    public static double Dbfs(double amplitude) => amplitude <= 0 ? SilenceDbfs : Math.Max(SilenceDbfs, Math.Round(20 * Math.Log10(amplitude), 1));

    public LidarPoints? Lidar(StreamDescriptor lidar, int maxPoints = 720)
    {
        if (Latest(lidar) is not { } sample) return null;
        const int PointBytes = 13;
        var span = sample.Payload.Span;
        int count = span.Length / PointBytes, step = Math.Max(1, (count + maxPoints - 1) / maxPoints);
        var points = new List<float[]>(count / step + 1);
        double maxRange = 0;
        for (int i = 0; i < count; i += step)
        {
            var p = span.Slice(i * PointBytes, PointBytes);
            float angle = BinaryPrimitives.ReadSingleLittleEndian(p), range = BinaryPrimitives.ReadSingleLittleEndian(p[4..]);
            if (!float.IsFinite(range) || range <= 0) continue;
            maxRange = Math.Max(maxRange, range);
            points.Add([MathF.Round(range * MathF.Cos(angle), 3), MathF.Round(range * MathF.Sin(angle), 3), p[8]]);
        }
        return new LidarPoints(lidar.Id.Value, Math.Round(maxRange, 2), points.ToArray());
    }

    public ImuValues? Imu(StreamDescriptor imu)
    {
        if (Latest(imu) is not { } sample || sample.Payload.Length < 24) return null;
        var span = sample.Payload.Span;
        var v = new float[6];
        for (int i = 0; i < 6; i++) v[i] = MathF.Round(BinaryPrimitives.ReadSingleLittleEndian(span[(i * 4)..]), 4);
        return new ImuValues(imu.Id.Value, sample.Sequence, v[..3], v[3..]);
    }
}
