using System.Buffers.Binary;
using System.Globalization;
using EdgeRig.Core;

namespace EdgeRig.Calibration;

/// <summary>A value at a time in ns since an origin rig time (doubles cannot hold epoch ns to better than 256 ns).</summary>
public readonly record struct TimedValue(double TimeNs, double Value);

/// <summary>Decodes the rig's payload encodings into timed values, each at its own time (audio frame, LIDAR point).</summary>
public static class Payloads
{
    /// <summary>Every audio frame (channels averaged) at block rig time + frame / sample rate.</summary>
    public static List<TimedValue> AudioFrames(StreamDescriptor d, IEnumerable<Sample> blocks, RigTime origin)
    {
        int channels = int.Parse(d.Parameters.GetValueOrDefault("channels", "1"), CultureInfo.InvariantCulture);
        double rate = double.Parse(d.Parameters.GetValueOrDefault("sampleRate", "48000"), CultureInfo.InvariantCulture);
        var frames = new List<TimedValue>();
        foreach (var s in blocks)
        {
            var span = s.Payload.Span;
            int n = span.Length / (2 * channels);
            for (int f = 0; f < n; f++)
            {
                double sum = 0;
                for (int c = 0; c < channels; c++) sum += BinaryPrimitives.ReadInt16LittleEndian(span[((f * channels + c) * 2)..]);
                frames.Add(new TimedValue((s.Rig.Time - origin).Nanoseconds + f * 1e9 / rate, sum / channels));
            }
        }
        return frames;
    }

    /// <summary>One IMU axis (0..2 accel x,y,z in m/s², 3..5 gyro x,y,z in rad/s) at each sample's rig time.</summary>
    public static List<TimedValue> ImuAxis(IEnumerable<Sample> samples, int axis, RigTime origin)
    {
        if (axis is < 0 or > 5) throw new ArgumentOutOfRangeException(nameof(axis), axis, "IMU axis must be 0..5 (ax, ay, az, gx, gy, gz)");
        return samples.Where(s => s.Payload.Length >= 24)
            .Select(s => new TimedValue((s.Rig.Time - origin).Nanoseconds, BinaryPrimitives.ReadSingleLittleEndian(s.Payload.Span[(axis * 4)..])))
            .ToList();
    }

    /// <summary>A LIDAR point: bearing (rad), range (m) and its own time since the origin (scan rig time + the point's offset).</summary>
    public readonly record struct LidarPoint(double AngleRad, double RangeM, double TimeNs);

    /// <summary>Every point of a <see cref="Encodings.LidarScan"/> sample.</summary>
    public static IEnumerable<LidarPoint> LidarPoints(Sample scan, RigTime origin)
    {
        const int pointSize = 13;
        var span = scan.Payload.Span;
        var points = new LidarPoint[span.Length / pointSize];
        for (int i = 0; i < points.Length; i++)
        {
            var p = span[(i * pointSize)..];
            points[i] = new LidarPoint(BinaryPrimitives.ReadSingleLittleEndian(p), BinaryPrimitives.ReadSingleLittleEndian(p[4..]),
                (scan.Rig.Time - origin).Nanoseconds + (double)BinaryPrimitives.ReadUInt32LittleEndian(p[9..]));
        }
        return points;
    }
}
