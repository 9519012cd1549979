namespace EdgeRig.Core;

/// <summary>The rig file's geometry: mounting poses of devices, the simulated world's calibration target and the spatial
/// calibration's tolerances. Every field is optional, so rig files written before geometry existed load unchanged.</summary>
public sealed partial record RigProfile
{
    private void ValidateGeometry(string file)
    {
        void Fail(string field, string problem) => throw new RigProfileException(file, field, problem);
        for (int i = 0; i < Devices.Count; i++)
            if (Devices[i].Mount is { } mount) ValidatePose(mount, $"devices[{i}].mount", Fail);
        var s = Calibration.Spatial;
        if (s.MinViews is < 3 or > 10000) Fail("calibration.spatial.minViews", $"must be 3..10000 (a camera's intrinsics need 3 board views), was {s.MinViews}");
        if (s.MinLidarViews is < 3 or > 10000) Fail("calibration.spatial.minLidarViews", $"must be 3..10000 (a plane per view; 3 fix a pose), was {s.MinLidarViews}");
        if (!(s.MaxReprojectionRmsPx > 0) || s.MaxReprojectionRmsPx > 10) Fail("calibration.spatial.maxReprojectionRmsPx", $"must be in (0, 10] px, was {s.MaxReprojectionRmsPx}");
        if (!(s.MaxFocalSigmaPercent > 0) || s.MaxFocalSigmaPercent > 10) Fail("calibration.spatial.maxFocalSigmaPercent", $"must be in (0, 10] %, was {s.MaxFocalSigmaPercent}");
        if (!(s.MaxLidarPlaneRmsMm > 0) || s.MaxLidarPlaneRmsMm > 1000) Fail("calibration.spatial.maxLidarPlaneRmsMm", $"must be in (0, 1000] mm, was {s.MaxLidarPlaneRmsMm}");
        if (!(s.MinRotationRateRadPerS > 0) || s.MinRotationRateRadPerS > 10) Fail("calibration.spatial.minRotationRateRadPerS", $"must be in (0, 10] rad/s, was {s.MinRotationRateRadPerS}");
        if (!(s.MaxImuResidualRadPerS > 0) || s.MaxImuResidualRadPerS > 10) Fail("calibration.spatial.maxImuResidualRadPerS", $"must be in (0, 10] rad/s, was {s.MaxImuResidualRadPerS}");
        if (World.Target is not { } t) return;
        const string at = "world.target";
        if (t.Columns is < 3 or > 40) Fail($"{at}.columns", $"must be 3..40 inner corners, was {t.Columns}");
        if (t.Rows is < 3 or > 40) Fail($"{at}.rows", $"must be 3..40 inner corners, was {t.Rows}");
        if ((t.Columns + t.Rows) % 2 == 0) Fail($"{at}.rows", $"one of columns and rows must be even and the other odd, or the board looks the same turned round (was {t.Columns}x{t.Rows})");
        if (!(t.SquareM >= 0.005) || t.SquareM > 0.5) Fail($"{at}.squareM", $"must be in [0.005, 0.5] m, was {t.SquareM}");
        if (!(t.MarginSquares >= 0.5) || t.MarginSquares > 5) Fail($"{at}.marginSquares", $"must be in [0.5, 5] squares (a white border around the corners), was {t.MarginSquares}");
        if (t.Path is null || t.Path.Count == 0)
        {
            Fail($"{at}.path", "must list at least one keyframe (where the board is held, and when)");
            return;
        }
        for (int k = 0; k < t.Path.Count; k++)
        {
            var f = t.Path[k];
            string p = $"{at}.path[{k}]";
            if (!(f.AtSeconds >= 0) || f.AtSeconds > 86400) Fail($"{p}.atSeconds", $"must be in [0, 86400], was {f.AtSeconds}");
            if (k > 0 && f.AtSeconds < t.Path[k - 1].AtSeconds + t.Path[k - 1].HoldSeconds)
                Fail($"{p}.atSeconds", $"must not be before the previous keyframe ends ({t.Path[k - 1].AtSeconds + t.Path[k - 1].HoldSeconds} s), was {f.AtSeconds}");
            if (!(f.HoldSeconds >= 0) || f.HoldSeconds > 3600) Fail($"{p}.holdSeconds", $"must be in [0, 3600], was {f.HoldSeconds}");
            CheckVector(f.CenterM, $"{p}.centerM", 20, "m", Fail);
            CheckVector(f.TiltDeg, $"{p}.tiltDeg", 89, "degrees", Fail);
        }
        if (t.RigSway is { } w)
        {
            string p = $"{at}.rigSway";
            if (!(w.AtSeconds >= 0) || w.AtSeconds > 86400) Fail($"{p}.atSeconds", $"must be in [0, 86400], was {w.AtSeconds}");
            if (!(w.DurationSeconds > 0) || w.DurationSeconds > 3600) Fail($"{p}.durationSeconds", $"must be in (0, 3600], was {w.DurationSeconds}");
            CheckVector(w.AmplitudeDeg, $"{p}.amplitudeDeg", 45, "degrees", Fail);
            if (w.FrequencyHz is null || w.FrequencyHz.Count != 3 || w.FrequencyHz.Any(x => !(x > 0) || x > 5))
                Fail($"{p}.frequencyHz", $"must be 3 frequencies in (0, 5] Hz (x, y, z), was [{string.Join(", ", w.FrequencyHz ?? [])}]");
        }
    }

    private static void ValidatePose(SensorPose pose, string at, Action<string, string> fail)
    {
        CheckVector(pose.TranslationM, $"{at}.translationM", 10, "m", fail);
        CheckVector(pose.RotationDeg, $"{at}.rotationDeg", 360, "degrees", fail);
    }

    private static void CheckVector(IReadOnlyList<double>? v, string field, double limit, string unit, Action<string, string> fail)
    {
        if (v is null || v.Count != 3 || v.Any(x => !(Math.Abs(x) <= limit)))
            fail(field, $"must be 3 numbers (x, y, z) each within ±{limit} {unit}, was [{string.Join(", ", v ?? [])}]");
    }
}

/// <summary>
/// A checkerboard the simulated world's lab "holds" in front of the rig (rig file "world.target"): inner-corner counts, square
/// size, a white margin, the path it follows (keyframes it moves between in straight lines and is held at) and, optionally, a
/// sway of the whole rig with the board held still (what the camera-IMU rotation needs). Times are seconds since the world
/// started. The world frame is the rig at rest (x forward, y left, z up).
/// </summary>
public sealed record CalibrationTargetProfile
{
    /// <summary>Inner corners along a row (the board's x axis).</summary>
    public int Columns { get; init; } = 9;

    /// <summary>Inner corners along a column (the board's y axis).</summary>
    public int Rows { get; init; } = 6;

    public double SquareM { get; init; } = 0.04;

    /// <summary>White border around the outer squares, in squares.</summary>
    public double MarginSquares { get; init; } = 1;

    public IReadOnlyList<TargetKeyframe> Path { get; init; } = [];

    public RigSwayProfile? RigSway { get; init; }
}

/// <summary>
/// Where the board is at <see cref="AtSeconds"/> (held there for <see cref="HoldSeconds"/>): its centre in the world (m), and
/// its tilt from facing the rig squarely (a rotation vector in degrees about the board's own axes: x right, y down, z away).
/// </summary>
public sealed record TargetKeyframe
{
    public double AtSeconds { get; init; }
    public double HoldSeconds { get; init; }
    public IReadOnlyList<double> CenterM { get; init; } = [1, 0, 0];
    public IReadOnlyList<double> TiltDeg { get; init; } = [0, 0, 0];
}

/// <summary>The rig swings about its own origin from <see cref="AtSeconds"/> for <see cref="DurationSeconds"/>: the rotation
/// vector's components are amplitude · sin²(π τ / duration) · sin(2π f τ), which starts and ends at rest.</summary>
public sealed record RigSwayProfile
{
    public double AtSeconds { get; init; }
    public double DurationSeconds { get; init; } = 10;
    public IReadOnlyList<double> AmplitudeDeg { get; init; } = [8, 8, 8];
    public IReadOnlyList<double> FrequencyHz { get; init; } = [0.7, 0.9, 0.5];
}

/// <summary>Rig file "calibration.spatial": how much a spatial calibration needs and how good it must be to be saved.</summary>
public sealed record SpatialCalibrationSettings
{
    /// <summary>Board views each camera needs (fewer fails as "too few target views").</summary>
    public int MinViews { get; init; } = 12;

    /// <summary>Still board views each camera-LIDAR pair needs.</summary>
    public int MinLidarViews { get; init; } = 6;

    public double MaxReprojectionRmsPx { get; init; } = 0.5;

    /// <summary>A focal length's standard deviation, as a percentage of it, above which the intrinsics fail.</summary>
    public double MaxFocalSigmaPercent { get; init; } = 0.2;

    /// <summary>RMS distance of the LIDAR's board points from the board plane the camera sees, after the fit.</summary>
    public double MaxLidarPlaneRmsMm { get; init; } = 20;

    /// <summary>The rig must turn at least this fast (the gyro's rate, about its least-excited axis) for the camera-IMU rotation.</summary>
    public double MinRotationRateRadPerS { get; init; } = 0.1;

    /// <summary>RMS difference of the rotated gyro rate from the camera's rate, after the fit.</summary>
    public double MaxImuResidualRadPerS { get; init; } = 0.05;
}
