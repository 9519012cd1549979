using System.Buffers.Binary;
using System.Globalization;
using EdgeRig.Core;
using EdgeRig.Formats;

namespace EdgeRig.Export.Dataset;

/// <summary>
/// Every sample of a stream in its own table (streams/STREAM.parquet) at its own rate: the timestamps of every sample plus its
/// payload as typed columns. LIDAR scans also get a points table (streams/STREAM_points.parquet), one row per point.
/// </summary>
internal static class StreamTables
{
    public const int LidarPointSize = 13;

    public static string PathOf(string stream) => $"streams/{stream}.parquet";

    public static string PointsPathOf(string stream) => $"streams/{stream}_points.parquet";

    public static IEnumerable<ParquetTable> For(StreamTimeline s)
    {
        var table = new ParquetTable(PathOf(s.Id))
            .Add("seq", s.Sequence)
            .Add("rig_ns", s.RigNs, "ns")
            .Add("time_ns", s.TimeNs, "ns")
            .Add("host_ns", s.HostNs, "ns")
            .Add("sensor_ticks", s.SensorTicks, "ticks")
            .Add("error_bound_ns", s.ErrorBoundNs, "ns")
            .Add("bytes", s.PayloadBytes, "bytes");
        switch (s.Descriptor.Encoding)
        {
            case Encodings.Jpeg:
                table.AddStrings("image", s.Images);
                break;
            case Encodings.PcmS16Le:
                var audio = AudioFormat.Of(s.Descriptor);
                table.Add("frames", s.PayloadBytes.Select(b => b / audio.BytesPerFrame).ToArray(), "frames")
                    .AddBytes("pcm", s.Payloads.Select(p => p.ToArray()).ToArray(), Encodings.PcmS16Le);
                break;
            case Encodings.Imu6:
                string[] names = ["ax", "ay", "az", "gx", "gy", "gz"];
                for (int axis = 0; axis < 6; axis++)
                    table.Add(names[axis], s.Payloads.Select((p, i) => ImuValue(s, i, axis)).ToArray(), axis < 3 ? "m/s^2" : "rad/s");
                break;
            case Encodings.LidarScan:
                var points = s.Payloads.Select((p, i) => PointCount(s, i)).ToArray();
                var firstPoint = new long[s.Count];
                for (int i = 1; i < s.Count; i++) firstPoint[i] = firstPoint[i - 1] + points[i - 1];
                table.Add("points", points, "points").Add("first_point_row", firstPoint, "row");
                yield return LidarPoints(s, points.Sum());
                break;
            case Encodings.GpioEdge:
                table.Add("line", s.Payloads.Select((p, i) => (int)Gpio(s, i).Line).ToArray())
                    .Add("level", s.Payloads.Select((p, i) => Gpio(s, i).Rising ? 1 : 0).ToArray(), "1 rising, 0 falling");
                break;
            default:
                table.AddBytes("payload", s.Payloads.Select(p => p.ToArray()).ToArray(), s.Descriptor.Encoding);
                break;
        }
        yield return table;
    }

    /// <summary>Axis 0-5 (ax, ay, az m/s^2, gx, gy, gz rad/s) of IMU sample <paramref name="i"/>.</summary>
    public static float ImuValue(StreamTimeline s, int i, int axis)
    {
        var p = s.Payloads[i].Span;
        if (p.Length != 24) throw Malformed(s, i, $"{p.Length} bytes, expected 24 (six float32)");
        return BinaryPrimitives.ReadSingleLittleEndian(p[(4 * axis)..]);
    }

    private static int PointCount(StreamTimeline s, int i) =>
        s.Payloads[i].Length % LidarPointSize == 0 ? s.Payloads[i].Length / LidarPointSize
            : throw Malformed(s, i, $"{s.Payloads[i].Length} bytes is not a whole number of {LidarPointSize}-byte points");

    private static GpioEdgePayload Gpio(StreamTimeline s, int i) =>
        s.Payloads[i].Length == GpioEdgePayload.Size && GpioEdgePayload.TryRead(s.Payloads[i].Span, out var edge) ? edge
            : throw Malformed(s, i, $"{s.Payloads[i].Length} bytes, expected {GpioEdgePayload.Size} (line, level)");

    /// <summary>Point <paramref name="k"/> of a lidar/scan-v1 payload: its angle (rad) and range (m).</summary>
    public static (float AngleRad, float RangeM) LidarPoint(ReadOnlySpan<byte> payload, int k)
    {
        var x = payload.Slice(k * LidarPointSize, LidarPointSize);
        return (BinaryPrimitives.ReadSingleLittleEndian(x), BinaryPrimitives.ReadSingleLittleEndian(x[4..]));
    }

    private static ParquetTable LidarPoints(StreamTimeline s, int total)
    {
        var scanRow = new long[total];
        var scanSeq = new long[total];
        var point = new int[total];
        var angle = new float[total];
        var range = new float[total];
        var intensity = new int[total];
        var offset = new long[total];
        var time = new long[total];
        int at = 0;
        for (int i = 0; i < s.Count; i++)
        {
            var p = s.Payloads[i].Span;
            for (int k = 0; k < p.Length / LidarPointSize; k++, at++)
            {
                var x = p.Slice(k * LidarPointSize, LidarPointSize);
                (scanRow[at], scanSeq[at], point[at]) = (i, s.Sequence[i], k);
                (angle[at], range[at]) = LidarPoint(p, k);
                intensity[at] = x[8];
                offset[at] = BinaryPrimitives.ReadUInt32LittleEndian(x[9..]);
                time[at] = s.TimeNs[i] + offset[at];
            }
        }
        return new ParquetTable(PointsPathOf(s.Id))
            .Add("scan_row", scanRow, "row").Add("scan_seq", scanSeq).Add("point", point)
            .Add("angle_rad", angle, "rad").Add("range_m", range, "m").Add("intensity", intensity)
            .Add("offset_ns", offset, "ns").Add("time_ns", time, "ns");
    }

    private static InvalidDataException Malformed(StreamTimeline s, int i, string what) =>
        new($"stream {s.Id} sample {s.Sequence[i]}: {s.Descriptor.Encoding} payload malformed: {what}");
}

/// <summary>An audio stream's PCM layout from its parameters: interleaved s16le, <see cref="Channels"/> channels at <see cref="SampleRateHz"/>.</summary>
internal sealed record AudioFormat(double SampleRateHz, int Channels)
{
    public int BytesPerFrame => 2 * Channels;

    /// <summary>Rig-time offset of frame <paramref name="frame"/> from its block's start.</summary>
    public long FrameOffsetNs(long frame) => (long)Math.Round(frame * 1e9 / SampleRateHz);

    /// <exception cref="InvalidDataException">sampleRate or channels missing or not positive.</exception>
    public static AudioFormat Of(StreamDescriptor d)
    {
        string Parameter(string name) => d.Parameters.TryGetValue(name, out var v) ? v : throw new InvalidDataException($"stream {d.Id}: parameter '{name}' is missing");
        double rate = double.Parse(Parameter("sampleRate"), CultureInfo.InvariantCulture);
        int channels = int.Parse(Parameter("channels"), CultureInfo.InvariantCulture);
        if (rate <= 0 || channels <= 0) throw new InvalidDataException($"stream {d.Id}: sampleRate {rate}, channels {channels} must be positive");
        return new AudioFormat(rate, channels);
    }
}
