using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeRig.Core;

/// <summary>Thrown when a rig file is unreadable or invalid; the message names the file and the field.</summary>
public sealed class RigProfileException(string file, string field, string problem)
    : Exception($"rig file '{file}': {field}: {problem}")
{
    public string File { get; } = file;
    public string Field { get; } = field;
}

/// <summary>What a full stream channel does with a new sample.</summary>
public enum DropPolicy { DropOldest, DropNewest }

/// <summary>A simulated device's clock and link: how its timestamps and deliveries differ from the truth.</summary>
public sealed record SimulatedClockProfile
{
    public double OffsetMs { get; init; }
    public double DriftPpm { get; init; }
    public double TimestampNoiseUs { get; init; }
    public double LatencyMs { get; init; } = 2;
    public double JitterMs { get; init; } = 0.5;
    public double DropProbability { get; init; }
}

/// <summary>One device of a rig as written in the rig file.</summary>
public sealed record DeviceProfile
{
    public string Id { get; init; } = "";
    /// <summary>camera, microphone, lidar, imu or gpio-button.</summary>
    public string Kind { get; init; } = "";
    /// <summary>"sim" for the simulated twin; otherwise the real driver's name (v4l2, portaudio, ld06, mpu6050, gpiochip): the
    /// drivers, and what each needs of this entry, are EdgeRig.Devices' DeviceProfileRules.</summary>
    public string Driver { get; init; } = "sim";
    public string? Stream { get; init; }
    public string FrameId { get; init; } = "rig";
    public int Width { get; init; }
    public int Height { get; init; }
    public double RateHz { get; init; }
    public int JpegQuality { get; init; } = 80;
    public int Channels { get; init; }
    public int BlockFrames { get; init; }
    public int PointsPerScan { get; init; }
    public int FifoBurst { get; init; } = 1;
    public int Line { get; init; }
    public double MeanIntervalSeconds { get; init; } = 10;
    /// <summary>Device node or file: /dev/videoN (v4l2) or a video file (opencv), the serial port (lidar), /dev/gpiochipN (gpio).</summary>
    public string Path { get; init; } = "";
    /// <summary>I2C bus number (/dev/i2c-N) of an IMU.</summary>
    public int Bus { get; init; } = 1;
    /// <summary>7-bit I2C address of an IMU, a number or a "0x68" string; 0 means the chip's default.</summary>
    [JsonConverter(typeof(HexIntJsonConverter))]
    public int Address { get; init; }
    /// <summary>Serial baud rate of a LIDAR; 0 means the model's default (LD06/LD19 230400, RPLIDAR A1/A2 115200).</summary>
    public int Baud { get; init; }
    /// <summary>A camera's horizontal field of view in degrees (the motion method's scale); needed for a real camera, the
    /// simulated one sees 60.</summary>
    public double? HorizontalFovDeg { get; init; }
    /// <summary>Camera pixel format asked of V4L2; MJPG is passed through undecoded, YUYV (driver v4l2) is encoded to JPEG.</summary>
    public string Fourcc { get; init; } = "MJPG";
    /// <summary>PortAudio input device whose name contains this text; empty for the default input.</summary>
    public string DeviceName { get; init; } = "";
    /// <summary>GPIO line (BCM number) an IMU's data-ready (INT) pin is wired to; null when not wired.</summary>
    public int? DataReadyLine { get; init; }
    /// <summary>gpio-output role: trigger, strobe or status-led.</summary>
    public string Role { get; init; } = "";
    /// <summary>Pulse length of a trigger/strobe output.</summary>
    public double PulseMs { get; init; } = 1;
    /// <summary>An output that is active when driven low.</summary>
    public bool ActiveLow { get; init; }
    public int QueueCapacity { get; init; }
    public DropPolicy DropPolicy { get; init; } = DropPolicy.DropOldest;
    public SimulatedClockProfile Clock { get; init; } = new();
    /// <summary>Faults a simulated twin injects (QA tests): kind, start and length in seconds since the twin's first sample.</summary>
    public IReadOnlyList<FaultProfile> Faults { get; init; } = [];
    /// <summary>Where the device sits on the rig (frame "rig"); null: at the rig's origin, axes aligned (a camera looks along x).
    /// A simulated twin is mounted exactly here; for a real device it is the design value spatial calibration starts from.</summary>
    public SensorPose? Mount { get; init; }
    /// <summary>A camera's lens model; null: a simulated camera's undistorted 60° model. A simulated twin draws through it.</summary>
    public CameraIntrinsics? Intrinsics { get; init; }
}

/// <summary>The simulated world shared by all twins: common events at one true time.</summary>
public sealed record WorldProfile
{
    public double EventIntervalSeconds { get; init; } = 5;
    public int Seed { get; init; } = 1;
    /// <summary>Whether events recur on their own (the dashboard demo); calibration runs pause them while they fire the trigger.</summary>
    public bool PeriodicEvents { get; init; } = true;
    /// <summary>How the rig turns about its vertical axis (the motion method's input).</summary>
    public RotationProfile Rotation { get; init; } = new();
    /// <summary>A calibration board the lab holds in front of the rig (spatial calibration); null: none.</summary>
    public CalibrationTargetProfile? Target { get; init; }
}

/// <summary>Storage and recording settings of a rig.</summary>
public sealed record RecordingProfile
{
    public double FlushIntervalSeconds { get; init; } = 0.5;
    /// <summary>The interval of each stream's first chunk after a start: its first samples are durable (and readable) soon after
    /// the start, not a whole flush interval later. At most <see cref="FlushIntervalSeconds"/>; equal to it, the first chunk is like any other.</summary>
    public double FirstFlushSeconds { get; init; } = 0.05;
    public int MaxChunkBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Free space to keep on the data disk; recording stops cleanly when a write would go below it.</summary>
    public double FreeSpaceReserveMiB { get; init; } = 256;
}

/// <summary>When finished sessions are deleted to make room (rig file section "retention"); 0 turns a limit off.</summary>
public sealed record RetentionProfile
{
    /// <summary>Delete sessions that stopped longer ago than this.</summary>
    public double MaxAgeDays { get; init; }
    /// <summary>Delete the oldest sessions while all sessions together take more than this.</summary>
    public double MaxTotalGiB { get; init; }
    /// <summary>Never delete a session no verified pull was confirmed for.</summary>
    public bool KeepUntilPulled { get; init; } = true;
    public double CheckIntervalSeconds { get; init; } = 60;
}

/// <summary>PTP monitoring settings (rig file section "ptp").</summary>
public sealed record PtpProfile
{
    public bool Enabled { get; init; }
    /// <summary>ptp4l's management socket (its uds_address).</summary>
    public string Socket { get; init; } = "/var/run/ptp4l";
    public double PollIntervalSeconds { get; init; } = 1;
    /// <summary>|master offset| at or under which a poll counts toward lock (1 µs suits hardware timestamping; software needs more).</summary>
    public long OffsetThresholdNs { get; init; } = 1000;
    public int PollsToLock { get; init; } = 3;
    /// <summary>Refuse to start recording while PTP is not locked.</summary>
    public bool RequireLockToRecord { get; init; }
}

/// <summary>A rig: its devices and settings, loaded from hardware/rigs/*.json. This checks the file's generic shape; each
/// device's kind- and driver-specific fields are checked by EdgeRig.Devices (RigFile loads with both).</summary>
public sealed partial record RigProfile
{
    public string Name { get; init; } = "";
    public WorldProfile World { get; init; } = new();
    public RecordingProfile Recording { get; init; } = new();
    public PtpProfile Ptp { get; init; } = new();
    public RetentionProfile Retention { get; init; } = new();
    public IReadOnlyList<DeviceProfile> Devices { get; init; } = [];
    public CalibrationSettings Calibration { get; init; } = new();

    /// <summary>The file this rig was read from (for messages that name it); empty for a rig built in code.</summary>
    [JsonIgnore]
    public string File { get; init; } = "";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    /// <summary>Reads and validates a rig file.</summary>
    /// <exception cref="RigProfileException">the file is missing, is not valid JSON, or a field is wrong.</exception>
    public static RigProfile Load(string path)
    {
        string text;
        try
        {
            text = System.IO.File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RigProfileException(path, "(file)", e.Message);
        }
        return Parse(text, path);
    }

    public static RigProfile Parse(string json, string file)
    {
        if (string.IsNullOrWhiteSpace(json)) throw new RigProfileException(file, "(document)", "is empty; a rig file is a JSON object with \"name\" and \"devices\"");
        if (json.Any(c => c is '\0' or '\uFFFD'))
            throw new RigProfileException(file, "(document)", "is not a text file (binary data); a rig file is a JSON object with \"name\" and \"devices\"");
        RigProfile? rig;
        try
        {
            rig = JsonSerializer.Deserialize<RigProfile>(json, JsonOptions);
        }
        catch (JsonException e)
        {
            string field = e.Path?.TrimStart('$', '.') is { Length: > 0 } path ? path : "(document)";
            string line = e.LineNumber is { } l ? $" (line {l + 1})" : "";
            throw new RigProfileException(file, field, TerminalText.Escape(FirstSentence(e.Message)) + line);
        }
        if (rig is null) throw new RigProfileException(file, "(document)", "is null; a rig file is a JSON object with \"name\" and \"devices\"");
        rig.Validate(file);
        return rig with { File = file };
    }

    private static string FirstSentence(string message)
    {
        int i = message.IndexOf(". Path:", StringComparison.Ordinal);
        return i > 0 ? message[..i] : message;
    }

    private static readonly string[] Kinds = ["camera", "microphone", "lidar", "imu", "gpio-button", "gpio-output", "pps"];

    private void Validate(string file)
    {
        void Fail(string field, string problem) => throw new RigProfileException(file, field, problem);
        if (string.IsNullOrWhiteSpace(Name)) Fail("name", "is required");
        if (Devices.Count == 0) Fail("devices", "must list at least one device");
        if (Recording.FlushIntervalSeconds is <= 0 or > 10) Fail("recording.flushIntervalSeconds", $"must be in (0, 10], was {Recording.FlushIntervalSeconds}");
        if (Recording.FirstFlushSeconds < 0 || Recording.FirstFlushSeconds > Recording.FlushIntervalSeconds)
            Fail("recording.firstFlushSeconds", $"must be in [0, recording.flushIntervalSeconds], was {Recording.FirstFlushSeconds}");
        if (Recording.MaxChunkBytes is < 4096 or > 12 * 1024 * 1024) Fail("recording.maxChunkBytes", $"must be between 4096 and 12 MiB, was {Recording.MaxChunkBytes}");
        if (Ptp.PollIntervalSeconds is < 0.1 or > 60) Fail("ptp.pollIntervalSeconds", $"must be in [0.1, 60], was {Ptp.PollIntervalSeconds}");
        if (Ptp.OffsetThresholdNs <= 0) Fail("ptp.offsetThresholdNs", $"must be > 0, was {Ptp.OffsetThresholdNs}");
        if (Ptp.PollsToLock is < 1 or > 1000) Fail("ptp.pollsToLock", $"must be 1..1000, was {Ptp.PollsToLock}");
        if (Ptp.RequireLockToRecord && !Ptp.Enabled) Fail("ptp.requireLockToRecord", "needs ptp.enabled");
        if (Recording.FreeSpaceReserveMiB < 0) Fail("recording.freeSpaceReserveMiB", $"must be >= 0, was {Recording.FreeSpaceReserveMiB}");
        if (Retention.MaxAgeDays < 0) Fail("retention.maxAgeDays", $"must be >= 0, was {Retention.MaxAgeDays}");
        if (Retention.MaxTotalGiB < 0) Fail("retention.maxTotalGiB", $"must be >= 0, was {Retention.MaxTotalGiB}");
        if (Retention.CheckIntervalSeconds is < 1 or > 86400) Fail("retention.checkIntervalSeconds", $"must be 1..86400, was {Retention.CheckIntervalSeconds}");
        if (World.EventIntervalSeconds <= 0) Fail("world.eventIntervalSeconds", $"must be > 0, was {World.EventIntervalSeconds}");
        ValidateTraining(file);
        ValidateCalibration(file);
        ValidateUpload(file);
        ValidateGeometry(file);
        var ids = new HashSet<string>();
        for (int i = 0; i < Devices.Count; i++)
        {
            var d = Devices[i];
            string at = $"devices[{i}]";
            if (string.IsNullOrWhiteSpace(d.Id)) Fail($"{at}.id", "is required");
            if (!StreamId.IsValid(d.StreamName))
                Fail(string.IsNullOrWhiteSpace(d.Stream) ? $"{at}.id" : $"{at}.stream", $"'{TerminalText.Escape(d.StreamName)}' {StreamId.Rule} (it names the stream's files)");
            if (!ids.Add(d.StreamName)) Fail($"{at}.id", $"stream '{d.StreamName}' appears twice");
            if (!Kinds.Contains(d.Kind)) Fail($"{at}.kind", $"'{d.Kind}' is not one of {string.Join(", ", Kinds)}");
            if (d.QueueCapacity < 0) Fail($"{at}.queueCapacity", $"must be >= 0, was {d.QueueCapacity}");
            if (d.Clock.DropProbability is < 0 or >= 1) Fail($"{at}.clock.dropProbability", $"must be in [0, 1), was {d.Clock.DropProbability}");
            if (d.Clock.LatencyMs < 0) Fail($"{at}.clock.latencyMs", $"must be >= 0, was {d.Clock.LatencyMs}");
            if (d.Clock.JitterMs < 0) Fail($"{at}.clock.jitterMs", $"must be >= 0, was {d.Clock.JitterMs}");
            if (Math.Abs(d.Clock.DriftPpm) > 1000) Fail($"{at}.clock.driftPpm", $"must be within ±1000 ppm, was {d.Clock.DriftPpm}");
            ValidateFaults(d, i, file);
        }
    }
}

/// <summary>Reads an integer written either as a JSON number or as a "0x.." hex string (I2C addresses).</summary>
public sealed class HexIntJsonConverter : JsonConverter<int>
{
    public override int Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Number) return reader.GetInt32();
        string text = reader.GetString() ?? "";
        bool hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        if (int.TryParse(hex ? text[2..] : text, hex ? System.Globalization.NumberStyles.HexNumber : System.Globalization.NumberStyles.Integer,
                System.Globalization.CultureInfo.InvariantCulture, out int value))
            return value;
        throw new JsonException($"'{text}' is not a number or a 0x.. hex value");
    }

    public override void Write(Utf8JsonWriter writer, int value, JsonSerializerOptions options) => writer.WriteStringValue($"0x{value:X2}");
}

public static class DeviceProfileExtensions
{
    extension(DeviceProfile d)
    {
        /// <summary>The stream id this device records under (its id unless "stream" is given).</summary>
        public string StreamName => string.IsNullOrWhiteSpace(d.Stream) ? d.Id : d.Stream!;
    }
}
