using System.Globalization;

namespace EdgeRig.Core;

/// <summary>One camera's lens as an export carries it: the stream, its optical frame and image size.</summary>
public sealed record CameraModel(string Stream, string FrameId, int Width, int Height, CameraIntrinsics Intrinsics);

/// <summary>Where one stream's data frame sits on the rig (T_rig_frame).</summary>
public sealed record FramePose(string Stream, string FrameId, RigidTransform RigFromFrame);

/// <summary>
/// The static geometry a session is exported with: each camera's lens and every sensor frame's pose in the "rig" frame, and
/// where they came from (a calibration profile's spatial section, or the rig file's design values).
/// </summary>
public sealed record SessionGeometry(string Source, IReadOnlyList<CameraModel> Cameras, IReadOnlyList<FramePose> Frames)
{
    /// <summary>The root of the transform tree: every sensor frame is given relative to it.</summary>
    public const string RigFrame = "rig";

    public CameraModel? CameraFor(string stream) => Cameras.FirstOrDefault(c => c.Stream == stream);

    public FramePose? FrameFor(string stream) => Frames.FirstOrDefault(f => f.Stream == stream);

    /// <summary>Stream parameter holding the rig file's design pose of the stream's frame on the rig: T_rig_frame as
    /// "tx ty tz rx ry rz" (metres; a rotation vector in degrees).</summary>
    public const string PoseParameter = "geometry.rigFromFrame";

    /// <summary>Stream parameter holding a camera's design lens: "fx fy cx cy k1 k2 p1 p2 k3".</summary>
    public const string IntrinsicsParameter = "geometry.intrinsics";

    /// <summary>
    /// The stream as a session records it: its descriptor with the rig file's design geometry of its device among its
    /// parameters (a rig file can change; a session keeps what it was recorded with). Unchanged when the rig file gives the
    /// device no mount and no intrinsics.
    /// </summary>
    public static StreamDescriptor WithDesignGeometry(StreamDescriptor stream, RigProfile rig)
    {
        if (rig.Devices.FirstOrDefault(d => d.Id == stream.DeviceId) is not { } device || (device.Mount is null && device.Intrinsics is null)) return stream;
        var parameters = new Dictionary<string, string>(stream.Parameters);
        var pose = SensorPose.From(DeviceGeometry.RigFromSensor(device));
        parameters[PoseParameter] = Join([.. pose.TranslationM, .. pose.RotationDeg]);
        if (stream.Modality == Modality.Camera && device.Intrinsics is { } k) parameters[IntrinsicsParameter] = Join([k.Fx, k.Fy, k.Cx, k.Cy, k.K1, k.K2, k.P1, k.P2, k.K3]);
        return stream with { Parameters = parameters };
    }

    /// <summary>The design geometry a session was recorded with (<see cref="WithDesignGeometry"/>); null when none of its streams has any.</summary>
    public static SessionGeometry? Recorded(IReadOnlyList<StreamDescriptor> streams, string rig)
    {
        var cameras = new List<CameraModel>();
        var frames = new List<FramePose>();
        foreach (var s in streams)
        {
            if (Numbers(s.Parameters.GetValueOrDefault(PoseParameter), 6) is { } p)
                frames.Add(new FramePose(s.Id.Value, s.FrameId, new SensorPose { TranslationM = p[..3], RotationDeg = p[3..] }.ToTransform()));
            if (Numbers(s.Parameters.GetValueOrDefault(IntrinsicsParameter), 9) is { } k
                && int.TryParse(s.Parameters.GetValueOrDefault("width"), CultureInfo.InvariantCulture, out int width)
                && int.TryParse(s.Parameters.GetValueOrDefault("height"), CultureInfo.InvariantCulture, out int height))
                cameras.Add(new CameraModel(s.Id.Value, s.FrameId, width, height,
                    new CameraIntrinsics { Fx = k[0], Fy = k[1], Cx = k[2], Cy = k[3], K1 = k[4], K2 = k[5], P1 = k[6], P2 = k[7], K3 = k[8] }));
        }
        return frames.Count == 0 && cameras.Count == 0 ? null : new SessionGeometry($"rig file '{rig}' design mounts and intrinsics, as recorded with the session", cameras, frames);
    }

    private static string Join(IEnumerable<double> values) => string.Join(" ", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));

    private static double[]? Numbers(string? text, int count)
    {
        var parts = text?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts is null || parts.Length != count) return null;
        var values = new double[count];
        for (int i = 0; i < count; i++)
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i])) return null;
        return values;
    }
}
