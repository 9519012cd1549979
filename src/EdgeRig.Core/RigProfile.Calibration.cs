namespace EdgeRig.Core;

/// <summary>The rig file's calibration section, the simulated world's rotation, and the simulated twins' faults.</summary>
public sealed partial record RigProfile
{
    private void ValidateCalibration(string file)
    {
        void Fail(string field, string problem) => throw new RigProfileException(file, field, problem);
        var c = Calibration;
        var t = c.Tolerance;
        foreach (var (name, value) in new[] { ("cameraMs", t.CameraMs), ("audioMs", t.AudioMs), ("imuMs", t.ImuMs), ("lidarMs", t.LidarMs) })
            if (!(value > 0) || value > 1000) Fail($"calibration.tolerance.{name}", $"must be in (0, 1000] ms, was {value}");
        if (c.StimulusCount is < 5 or > 1000) Fail("calibration.stimulusCount", $"must be 5..1000 (each stream needs 5 events), was {c.StimulusCount}");
        if (!(c.CameraExposureMs >= 0) || c.CameraExposureMs > 1000) Fail("calibration.cameraExposureMs", $"must be in [0, 1000] ms (0: leave exposure alone), was {c.CameraExposureMs}");
        if (!(c.MinIntervalSeconds >= 0.2) || c.MinIntervalSeconds > 60) Fail("calibration.minIntervalSeconds", $"must be in [0.2, 60], was {c.MinIntervalSeconds}");
        if (!(c.MaxIntervalSeconds >= c.MinIntervalSeconds) || c.MaxIntervalSeconds > 60)
            Fail("calibration.maxIntervalSeconds", $"must be in [minIntervalSeconds, 60], was {c.MaxIntervalSeconds}");
        if (!(c.MotionSeconds >= 5) || c.MotionSeconds > 600) Fail("calibration.motionSeconds", $"must be in [5, 600], was {c.MotionSeconds}");
        if (!(c.LidarTargetBearingDeg >= -360) || c.LidarTargetBearingDeg > 360) Fail("calibration.lidarTargetBearingDeg", $"must be within ±360°, was {c.LidarTargetBearingDeg}");
        if (!(c.LidarTargetHalfWidthDeg > 0) || c.LidarTargetHalfWidthDeg > 90) Fail("calibration.lidarTargetHalfWidthDeg", $"must be in (0, 90]°, was {c.LidarTargetHalfWidthDeg}");
        if (c.TriggerOutput.Length > 0 && !Devices.Any(d => d.Id == c.TriggerOutput && d.Kind == "gpio-output" && d.Role == "trigger"))
            Fail("calibration.triggerOutput", $"'{c.TriggerOutput}' is not a gpio-output device with role \"trigger\"");
        var r = World.Rotation;
        if (r.Mode != RotationMode.Off && r.Components.Count == 0) Fail("world.rotation.components", "must list at least one sine (or set mode \"off\")");
        for (int i = 0; i < r.Components.Count; i++)
        {
            if (!(Math.Abs(r.Components[i].AmplitudeRadPerS) <= 20)) Fail($"world.rotation.components[{i}].amplitudeRadPerS", $"must be within ±20 rad/s, was {r.Components[i].AmplitudeRadPerS}");
            if (!(r.Components[i].FrequencyHz > 0) || r.Components[i].FrequencyHz > 20) Fail($"world.rotation.components[{i}].frequencyHz", $"must be in (0, 20] Hz, was {r.Components[i].FrequencyHz}");
        }
    }

    /// <summary>Fault kinds each simulated device kind can inject.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> FaultKinds = new Dictionary<string, string[]>
    {
        ["camera"] = ["freeze", "black"],
        ["microphone"] = ["clip", "silence"],
        ["imu"] = ["gap", "stuck"],
        ["lidar"] = ["zeros"],
    };

    private static readonly string[] ImuAxes = ["ax", "ay", "az", "gx", "gy", "gz"];

    private static void ValidateFaults(DeviceProfile d, int index, string file)
    {
        for (int j = 0; j < d.Faults.Count; j++)
        {
            var f = d.Faults[j];
            string at = $"devices[{index}].faults[{j}]";
            if (d.Driver != "sim") throw new RigProfileException(file, at, $"faults are injected by simulated twins only; '{d.Id}' uses driver '{d.Driver}'");
            var kinds = FaultKinds.GetValueOrDefault(d.Kind, []);
            if (!kinds.Contains(f.Kind))
                throw new RigProfileException(file, $"{at}.kind", kinds.Length == 0 ? $"a {d.Kind} has no faults to inject"
                    : $"'{f.Kind}' is not a {d.Kind} fault (use {string.Join(", ", kinds.Select(k => $"\"{k}\""))})");
            if (!(f.AtSeconds >= 0) || f.AtSeconds > 86400) throw new RigProfileException(file, $"{at}.atSeconds", $"must be in [0, 86400], was {f.AtSeconds}");
            if (!(f.DurationSeconds > 0) || f.DurationSeconds > 86400) throw new RigProfileException(file, $"{at}.durationSeconds", $"must be in (0, 86400], was {f.DurationSeconds}");
            if (f.Axis.Length > 0 && (f.Kind != "stuck" || !ImuAxes.Contains(f.Axis)))
                throw new RigProfileException(file, $"{at}.axis", f.Kind != "stuck" ? "only a \"stuck\" fault names an axis" : $"'{f.Axis}' is not one of {string.Join(", ", ImuAxes)}");
        }
    }
}

/// <summary>Rig file section "calibration": how calibration runs fire stimuli and how precise each stream must come out.</summary>
public sealed record CalibrationSettings
{
    public CalibrationTolerance Tolerance { get; init; } = new();

    /// <summary>What a spatial calibration (intrinsics, extrinsics) needs and must reach.</summary>
    public SpatialCalibrationSettings Spatial { get; init; } = new();

    /// <summary>Stimuli fired by a stimulus run unless the request says otherwise.</summary>
    public int StimulusCount { get; init; } = 30;

    /// <summary>Exposure fixed on every camera that supports it (v4l2) for the length of a calibration run, in ms; 0 leaves
    /// the cameras' own exposure control alone.</summary>
    public double CameraExposureMs { get; init; } = 10;

    /// <summary>The gpio-output (role "trigger") that fires the stimulus; empty: the rig's first trigger output.</summary>
    public string TriggerOutput { get; init; } = "";

    /// <summary>Stimuli are fired at random intervals in [min, max]: random phases against every sample clock. The LIDAR's range
    /// step (0.5 s) plus the search window need about 0.9 s between stimuli for both of its edges to count.</summary>
    public double MinIntervalSeconds { get; init; } = 0.9;
    public double MaxIntervalSeconds { get; init; } = 1.3;

    /// <summary>How long a motion run records while the rig turns.</summary>
    public double MotionSeconds { get; init; } = 20;

    /// <summary>The LIDAR's stepping target: bearing of its middle and the half-width of the sector the stimulus method reads
    /// (keep it inside the target). A wide target times the steps that happen while the beam sweeps it to a point's spacing.</summary>
    public double LidarTargetBearingDeg { get; init; } = 90;
    public double LidarTargetHalfWidthDeg { get; init; } = 35;
}

/// <summary>A stream passes calibration when its 95 % interval half-width is within its modality's tolerance.</summary>
public sealed record CalibrationTolerance
{
    public double CameraMs { get; init; } = 0.5;
    public double AudioMs { get; init; } = 0.05;
    public double ImuMs { get; init; } = 0.5;
    public double LidarMs { get; init; } = 1;

    public double MillisecondsFor(Modality modality) => modality switch
    {
        Modality.Camera => CameraMs,
        Modality.Audio => AudioMs,
        Modality.Imu => ImuMs,
        Modality.Lidar => LidarMs,
        _ => double.PositiveInfinity,
    };
}

/// <summary>When the simulated world turns the rig: only during motion calibration runs, always, or never.</summary>
public enum RotationMode { MotionRuns, Always, Off }

/// <summary>The simulated rig's yaw rate: a sum of sines about the vertical axis (rate = Σ a·sin(2πf·t) from the start of a turn).</summary>
public sealed record RotationProfile
{
    public RotationMode Mode { get; init; } = RotationMode.MotionRuns;
    public IReadOnlyList<RotationComponent> Components { get; init; } =
        [new() { AmplitudeRadPerS = 0.8, FrequencyHz = 0.37 }, new() { AmplitudeRadPerS = 0.5, FrequencyHz = 0.83 }, new() { AmplitudeRadPerS = 0.3, FrequencyHz = 1.7 }];
}

/// <summary>One sine of the rotation profile.</summary>
public sealed record RotationComponent
{
    public double AmplitudeRadPerS { get; init; }
    public double FrequencyHz { get; init; }
}

/// <summary>
/// A fault a simulated twin injects from <see cref="AtSeconds"/> for <see cref="DurationSeconds"/> (seconds since the twin's
/// first sample, i.e. since the rig started): camera "freeze" (the last frame's bytes again) or "black"; microphone "clip"
/// (gain to int16 saturation) or "silence"; imu "gap" (nothing delivered, sequence numbers keep counting) or "stuck" (one axis,
/// <see cref="Axis"/>, default ay, holds its value); lidar "zeros" (every range 0).
/// </summary>
public sealed record FaultProfile
{
    public string Kind { get; init; } = "";
    public double AtSeconds { get; init; }
    public double DurationSeconds { get; init; }
    public string Axis { get; init; } = "";
}
