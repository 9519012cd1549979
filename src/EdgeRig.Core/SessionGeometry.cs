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

    /// <summary>The rig file's design geometry of a session's streams: each device's mount (identity when it has none) and
    /// each camera's intrinsics when the rig file gives them; null when the rig file gives no mount or intrinsics at all.</summary>
    public static SessionGeometry? Nominal(RigProfile rig, IReadOnlyList<StreamDescriptor> streams)
    {
        if (rig.Devices.All(d => d.Mount is null && d.Intrinsics is null)) return null;
        var cameras = new List<CameraModel>();
        var frames = new List<FramePose>();
        foreach (var s in streams.Where(s => s.FrameId.Length > 0))
        {
            if (rig.Devices.FirstOrDefault(d => d.Id == s.DeviceId) is not { } device) continue;
            frames.Add(new FramePose(s.Id.Value, s.FrameId, DeviceGeometry.RigFromSensor(device)));
            if (s.Modality == Modality.Camera && device.Intrinsics is { } k
                && int.TryParse(s.Parameters.GetValueOrDefault("width"), out int width) && int.TryParse(s.Parameters.GetValueOrDefault("height"), out int height))
                cameras.Add(new CameraModel(s.Id.Value, s.FrameId, width, height, k));
        }
        return new SessionGeometry($"rig file '{rig.Name}' (design mounts and intrinsics)", cameras, frames);
    }
}
