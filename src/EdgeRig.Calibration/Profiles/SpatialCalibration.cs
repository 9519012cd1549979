using System.Text.Json;
using EdgeRig.Core;

namespace EdgeRig.Calibration.Profiles;

/// <summary>
/// The spatial part of a calibration profile: each camera's lens and every sensor frame's pose relative to "rig", so that
/// exports can carry one static transform tree and one camera model per camera. Poses are relative to the reference camera,
/// whose own pose on the rig is the rig file's design value (a rig has no physical "rig" frame to measure against).
/// </summary>
public sealed record SpatialCalibration(
    string ReferenceStream,
    IReadOnlyList<CameraLensCalibration> Cameras,
    IReadOnlyList<SensorFrameCalibration> Frames)
{
    public CameraLensCalibration? CameraFor(string stream) => Cameras.FirstOrDefault(c => c.Stream == stream);

    public SensorFrameCalibration? FrameFor(string stream) => Frames.FirstOrDefault(f => f.Stream == stream);

    /// <summary>The section as exports carry it: each camera's lens in its stream's frame, every frame's pose on the rig.</summary>
    public SessionGeometry ToGeometry(string source) => new(source,
        [.. Cameras.Select(c => new CameraModel(c.Stream, FrameFor(c.Stream)?.FrameId ?? c.Stream, c.Width, c.Height, c.Intrinsics))],
        [.. Frames.Select(f => new FramePose(f.Stream, f.FrameId, f.RigFromSensor.ToTransform()))]);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The section alone as JSON (the same shape as the "spatial" member of the profile file), for stores that keep it apart.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <exception cref="FormatException">not a spatial section.</exception>
    public static SpatialCalibration FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<SpatialCalibration>(json, Json) ?? throw new FormatException("not a spatial calibration: null");
        }
        catch (JsonException e)
        {
            throw new FormatException($"not a spatial calibration: {e.Message}", e);
        }
    }
}

/// <summary>One camera's estimated lens model with each parameter's standard deviation (fx, fy, cx, cy, k1, k2, p1, p2, k3) and
/// the reprojection RMS over the board views it used.</summary>
public sealed record CameraLensCalibration(
    string Stream,
    string DeviceId,
    int Width,
    int Height,
    CameraIntrinsics Intrinsics,
    IReadOnlyList<double> StandardDeviations,
    double ReprojectionRmsPx,
    int Views);

/// <summary>Where one sensor's frame (its stream's frameId) sits on the rig, how it was found and how well the data fit it
/// (<see cref="Residual"/> in <see cref="ResidualUnit"/>). An IMU's translation is the rig file's: rates only fix its rotation.</summary>
public sealed record SensorFrameCalibration(
    string Stream,
    string DeviceId,
    string FrameId,
    SensorPose RigFromSensor,
    string Method,
    double Residual,
    string ResidualUnit,
    int Views);
