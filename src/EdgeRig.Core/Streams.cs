namespace EdgeRig.Core;

/// <summary>What kind of sensor a stream comes from.</summary>
public enum Modality { Camera, Audio, Lidar, Imu, Gpio }

/// <summary>
/// A stream's identity, unique within a rig, e.g. "cam0" or "imu0": 1-64 ASCII letters, digits, '_' or '-', starting with
/// a letter. It names files and folders of pulls and exports, so nothing like "..", "/" or a control character gets in.
/// </summary>
public readonly record struct StreamId
{
    public const string Rule = "must be 1-64 letters, digits, '_' or '-', starting with a letter";

    /// <exception cref="ArgumentException">the value breaks <see cref="Rule"/>.</exception>
    public StreamId(string value)
    {
        if (!IsValid(value)) throw new ArgumentException($"stream id '{Shown(value)}' {Rule}");
        Value = value;
    }

    public string Value { get; }
    public override string ToString() => Value;

    public static bool IsValid(string? value) =>
        value is { Length: >= 1 and <= 64 } && char.IsAsciiLetter(value[0]) && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    /// <summary>A stream id taken from input, refused with a message naming the field it came from.</summary>
    /// <exception cref="ArgumentException">the value breaks <see cref="Rule"/>; the message starts with <paramref name="field"/>.</exception>
    public static StreamId Parse(string? value, string field) =>
        IsValid(value) ? new StreamId(value!) : throw new ArgumentException($"{field}: stream id '{Shown(value)}' {Rule}");

    /// <summary>The offending value for a message: at most 80 characters, control and bidi characters escaped.</summary>
    private static string Shown(string? value) =>
        TerminalText.Escape(value is { Length: > 80 } ? value[..80] + "..." : value);
}

/// <summary>Where a stream's timestamps come from.</summary>
public enum TimestampSource
{
    /// <summary>The device's own counter; mapped to host time by a ClockMapper.</summary>
    SensorClock,
    /// <summary>A host monotonic timestamp taken by the kernel or driver (V4L2 buffer, GPIO edge, PortAudio ADC time).</summary>
    HostKernel,
}

/// <summary>Payload encodings the rig produces.</summary>
public static class Encodings
{
    public const string Jpeg = "image/jpeg";
    public const string PcmS16Le = "audio/pcm-s16le";
    /// <summary>LIDAR scan: per point little-endian float32 angle (rad), float32 range (m), uint8 intensity, uint32 point time offset (ns from scan start).</summary>
    public const string LidarScan = "lidar/scan-v1";
    /// <summary>IMU sample: six little-endian float32: accel x,y,z (m/s^2) then gyro x,y,z (rad/s).</summary>
    public const string Imu6 = "imu/accel-gyro-f32";
    /// <summary>GPIO edge: uint8 line, uint8 rising(1)/falling(0).</summary>
    public const string GpioEdge = "gpio/edge-v1";
}

/// <summary>Describes one stream of samples: what it is, how it is encoded, and how fast it should arrive.</summary>
public sealed record StreamDescriptor(
    StreamId Id,
    Modality Modality,
    string Encoding,
    double NominalRateHz,
    string Units,
    string DeviceId,
    string FrameId)
{
    /// <summary>Ticks per second of the device's own counter (sensor time).</summary>
    public double SensorTickRateHz { get; init; } = 1e9;

    /// <summary>Where the stream's timestamps come from: the device's own counter, or the kernel/driver on the host.</summary>
    public TimestampSource Timestamps { get; init; } = TimestampSource.SensorClock;

    /// <summary>The sensor counter wraps to zero at this value; 0 if it never wraps.</summary>
    public long SensorWrapModulus { get; init; }

    /// <summary>Latency known by construction (an audio block or LIDAR scan is delivered when it ends) subtracted by the timing stage.</summary>
    public Duration KnownLatency { get; init; }

    /// <summary>Encoding-specific parameters such as width/height or channels/sample rate.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    public Duration NominalPeriod => Duration.FromSeconds(1.0 / NominalRateHz);
}

/// <summary>
/// One sample of any modality: the one schema for everything the rig records.
/// Keeps both raw timestamps and the estimated rig time with its error bound.
/// </summary>
public sealed record Sample(
    StreamId Stream,
    long Sequence,
    SensorTime SensorTime,
    HostTime HostTime,
    RigTimestamp Rig,
    ReadOnlyMemory<byte> Payload)
{
    /// <summary>Bytes a sample takes in a stored chunk besides its payload (sequence, sensor ticks, host time, rig time, error
    /// bound, payload length): what the recorder counts against a chunk's size limit.</summary>
    public const int StoredHeaderBytes = 44;

    /// <summary>Bytes this sample takes in a stored chunk before compression.</summary>
    public int StoredBytes => StoredHeaderBytes + Payload.Length;
}
