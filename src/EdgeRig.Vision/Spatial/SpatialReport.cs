using EdgeRig.Calibration.Profiles;

namespace EdgeRig.Vision.Spatial;

/// <summary>Why part of a spatial calibration failed, by name: <see cref="TooFewTargetViews"/>, <see cref="TargetNeverFullyVisible"/>,
/// <see cref="MotionTooSmall"/>, <see cref="OutOfTolerance"/> or <see cref="Unsolvable"/>; <see cref="Stream"/> is the stream concerned.</summary>
public sealed record SpatialFailure(string Name, string Stream, string Message)
{
    public const string TooFewTargetViews = "too-few-target-views";
    public const string TargetNeverFullyVisible = "target-never-fully-visible";
    public const string MotionTooSmall = "motion-too-small";
    public const string OutOfTolerance = "out-of-tolerance";
    public const string Unsolvable = "unsolvable";

    public override string ToString() => $"{Stream}: {Name}: {Message}";
}

/// <summary>
/// What a spatial calibration found: each camera's lens, every sensor frame's pose on the rig, the camera-IMU time lag it
/// removed, and the failures by name. Only a report without failures becomes a profile section (<see cref="ToProfileSection"/>),
/// so a failed run saves nothing.
/// </summary>
public sealed record SpatialReport(
    string ReferenceStream,
    IReadOnlyList<CameraLensCalibration> Cameras,
    IReadOnlyList<SensorFrameCalibration> Frames,
    IReadOnlyList<SpatialFailure> Failures,
    double ImuLagNs)
{
    public bool Passed => Failures.Count == 0 && Cameras.Count > 0;

    /// <exception cref="InvalidOperationException">the run failed; the message names every failure.</exception>
    public SpatialCalibration ToProfileSection()
    {
        if (Failures.Count > 0)
            throw new InvalidOperationException($"not saving a spatial calibration from a failed run: {string.Join("; ", Failures)}");
        if (Cameras.Count == 0) throw new InvalidOperationException("not saving a spatial calibration: the session has no camera");
        return new SpatialCalibration(ReferenceStream, Cameras, Frames);
    }

    /// <summary>
    /// Saves the result as the next version of <paramref name="name"/>, keeping that name's time offsets (a new name starts
    /// with none); nothing is saved from a failed run. Returns the saved version, or null and why not.
    /// </summary>
    public (CalibrationProfile? Saved, string NotSavedBecause) SaveAs(ICalibrationProfileStore profiles, string name, string rig, string createdBy, string note, DateTimeOffset now)
    {
        if (!Passed) return (null, $"not saving profile '{name}': the spatial calibration failed ({(Failures.Count > 0 ? string.Join("; ", Failures) : "no camera calibrated")})");
        try
        {
            var saved = profiles.Save(CalibrationProfile.SpatialDraft(profiles.Get(name), name, rig, ToProfileSection(), createdBy, note, now));
            return (saved, "");
        }
        catch (ArgumentException e)
        {
            return (null, e.Message);
        }
    }
}
