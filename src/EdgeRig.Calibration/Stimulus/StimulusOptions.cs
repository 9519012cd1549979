using EdgeRig.Core;

namespace EdgeRig.Calibration.Stimulus;

/// <summary>A stimulus fired at a known rig time: on the rig, the GPIO trigger edge's kernel timestamp; in the simulator, the world event.</summary>
public sealed record StimulusReference(int Number, RigTime Time);

/// <summary>Settings of the stimulus method: the search window, the stimulus' shape, and how many events a stream needs.</summary>
public sealed record StimulusOptions
{
    /// <summary>Smallest offset searched (sample rig time minus stimulus time).</summary>
    public Duration MinOffset { get; init; } = Duration.FromMilliseconds(-50);

    /// <summary>Largest offset searched.</summary>
    public Duration MaxOffset { get; init; } = Duration.FromMilliseconds(150);

    /// <summary>How much signal before the window is used as the quiet baseline.</summary>
    public Duration Baseline { get; init; } = Duration.FromMilliseconds(200);

    /// <summary>A stream with fewer events used than this fails, and no profile may be saved from it.</summary>
    public int MinEvents { get; init; } = 5;

    /// <summary>Resamples of the percentile bootstrap behind every confidence interval.</summary>
    public int BootstrapResamples { get; init; } = 1000;

    /// <summary>Seed of the bootstrap, so the same recording gives the same report.</summary>
    public int Seed { get; init; } = 17;

    /// <summary>How long the flash stays lit (the LED pulse length of the trigger).</summary>
    public Duration FlashLength { get; init; } = Duration.FromMilliseconds(20);

    /// <summary>Exposure time per camera stream; cameras not named use <see cref="DefaultExposure"/>.</summary>
    public IReadOnlyDictionary<string, Duration> Exposures { get; init; } = new Dictionary<string, Duration>();

    public Duration DefaultExposure { get; init; } = Duration.FromMilliseconds(10);

    /// <summary>How long the LIDAR target stays moved after a stimulus (both edges are timed). 0.45 s is not a whole number of
    /// turns of a 5-12 Hz LIDAR, so the step's end is seen at another phase of the turn than its start.</summary>
    public Duration RangeStepLength { get; init; } = Duration.FromMilliseconds(450);

    /// <summary>Bearing of the LIDAR target and the half-width of the sector used (keep it inside the target).</summary>
    public double LidarTargetBearingRad { get; init; } = Math.PI / 2;

    public double LidarTargetHalfWidthRad { get; init; } = Math.PI / 36;

    /// <summary>IMU axis the tap shows on: 0..2 accel x,y,z; 3..5 gyro.</summary>
    public int ImuAxis { get; init; }

    /// <summary>The options a rig's calibration section sets (the LIDAR target's sector); the rest keep their defaults.</summary>
    public static StimulusOptions For(CalibrationSettings rig) => new()
    {
        LidarTargetBearingRad = rig.LidarTargetBearingDeg * Math.PI / 180,
        LidarTargetHalfWidthRad = rig.LidarTargetHalfWidthDeg * Math.PI / 180,
    };

    public Duration ExposureOf(string stream) => Exposures.TryGetValue(stream, out var e) ? e : DefaultExposure;
}
