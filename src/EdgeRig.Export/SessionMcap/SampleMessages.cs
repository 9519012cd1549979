using System.Buffers.Binary;
using System.Globalization;
using EdgeRig.Core;
using EdgeRig.Formats;
using EdgeRig.Export.SessionMcap.Foxglove;
using EdgeRig.Export.SessionMcap.Schemas;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;

namespace EdgeRig.Export.SessionMcap;

/// <summary>
/// How one stream's payloads become protobuf messages: the schema and the conversion, chosen by the stream's encoding.
/// Image and audio messages wrap the sample's payload instead of copying it: serialise them while the sample is alive.
/// </summary>
internal sealed record SampleMessages(MessageDescriptor Schema, Func<Sample, IMessage> ToMessage)
{
    /// <summary>Bytes per LIDAR point in lidar/scan-v1: float32 angle, float32 range, uint8 intensity, uint32 time offset.</summary>
    public const int LidarPointSize = 13;

    /// <exception cref="NotSupportedException">the stream's encoding has no MCAP mapping.</exception>
    public static SampleMessages For(StreamDescriptor stream) => stream.Encoding switch
    {
        Encodings.Jpeg => new(CompressedImage.Descriptor, s => Jpeg(stream, s)),
        Encodings.PcmS16Le => Audio(stream),
        Encodings.LidarScan => new(LaserScan.Descriptor, s => Lidar(stream, s)),
        Encodings.Imu6 => new(Imu.Descriptor, s => ImuSample(stream, s)),
        Encodings.GpioEdge => new(GpioEdge.Descriptor, s => Gpio(stream, s)),
        _ => throw new NotSupportedException($"stream {stream.Id}: encoding '{stream.Encoding}' has no MCAP mapping"),
    };

    /// <summary>A marker as a foxglove.Log line: level INFO, message = label (and note), name = source.</summary>
    public static Log Marker(Marker marker) => new()
    {
        Timestamp = Stamp(marker.Time),
        Level = Log.Types.Level.Info,
        Message = marker.Note.Length > 0 ? $"{marker.Label}: {marker.Note}" : marker.Label,
        Name = marker.Source,
    };

    public static Timestamp Stamp(RigTime t) => new()
    {
        Seconds = Math.DivRem(t.Nanoseconds, 1_000_000_000L, out long nanos) - (nanos < 0 ? 1 : 0),
        Nanos = (int)(nanos < 0 ? nanos + 1_000_000_000L : nanos),
    };

    private static CompressedImage Jpeg(StreamDescriptor stream, Sample s) => new()
    {
        Timestamp = Stamp(s.Rig.Time),
        FrameId = stream.FrameId,
        Data = UnsafeByteOperations.UnsafeWrap(s.Payload),
        Format = "jpeg",
    };

    private static SampleMessages Audio(StreamDescriptor stream)
    {
        uint rate = (uint)Math.Round(double.Parse(Parameter(stream, "sampleRate"), CultureInfo.InvariantCulture));
        uint channels = uint.Parse(Parameter(stream, "channels"), CultureInfo.InvariantCulture);
        return new(RawAudio.Descriptor, s =>
        {
            if (s.Payload.Length % (2 * channels) != 0) throw Malformed(stream, s, $"{s.Payload.Length} bytes is not a whole number of {channels}-channel s16 frames");
            return new RawAudio { Timestamp = Stamp(s.Rig.Time), Data = UnsafeByteOperations.UnsafeWrap(s.Payload), Format = "pcm-s16", SampleRate = rate, NumberOfChannels = channels };
        });
    }

    private static LaserScan Lidar(StreamDescriptor stream, Sample s)
    {
        var p = s.Payload.Span;
        if (p.Length % LidarPointSize != 0) throw Malformed(stream, s, $"{p.Length} bytes is not a whole number of {LidarPointSize}-byte points");
        int n = p.Length / LidarPointSize;
        var scan = new LaserScan
        {
            Timestamp = Stamp(s.Rig.Time),
            FrameId = stream.FrameId,
            Pose = new Pose { Position = new Vector3(), Orientation = new Quaternion { W = 1 } },
        };
        for (int i = 0; i < n; i++)
        {
            var point = p.Slice(i * LidarPointSize, LidarPointSize);
            float angle = BinaryPrimitives.ReadSingleLittleEndian(point);
            if (i == 0) scan.StartAngle = angle;
            if (i == n - 1) scan.EndAngle = angle;
            scan.Ranges.Add(BinaryPrimitives.ReadSingleLittleEndian(point[4..]));
            scan.Intensities.Add(point[8]);
        }
        return scan;
    }

    private static Imu ImuSample(StreamDescriptor stream, Sample s)
    {
        var p = s.Payload.Span;
        if (p.Length != 24) throw Malformed(stream, s, $"{p.Length} bytes, expected 24 (six float32)");
        return new Imu
        {
            Timestamp = Stamp(s.Rig.Time),
            FrameId = stream.FrameId,
            LinearAcceleration = new Vector3 { X = Float(p, 0), Y = Float(p, 1), Z = Float(p, 2) },
            AngularVelocity = new Vector3 { X = Float(p, 3), Y = Float(p, 4), Z = Float(p, 5) },
        };
    }

    private static double Float(ReadOnlySpan<byte> p, int i) => BinaryPrimitives.ReadSingleLittleEndian(p[(4 * i)..]);

    private static GpioEdge Gpio(StreamDescriptor stream, Sample s)
    {
        if (s.Payload.Length != GpioEdgePayload.Size || !GpioEdgePayload.TryRead(s.Payload.Span, out var edge))
            throw Malformed(stream, s, $"{s.Payload.Length} bytes, expected {GpioEdgePayload.Size} (line, level)");
        return new GpioEdge { Timestamp = Stamp(s.Rig.Time), Line = edge.Line, Level = edge.Rising ? 1u : 0u };
    }

    private static string Parameter(StreamDescriptor stream, string name) =>
        stream.Parameters.TryGetValue(name, out var v) ? v : throw new InvalidDataException($"stream {stream.Id}: parameter '{name}' is missing");

    private static InvalidDataException Malformed(StreamDescriptor stream, Sample s, string what) =>
        new($"stream {stream.Id} sample {s.Sequence}: {stream.Encoding} payload malformed: {what}");
}
