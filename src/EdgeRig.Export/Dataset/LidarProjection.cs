using EdgeRig.Core;

namespace EdgeRig.Export.Dataset;

/// <summary>One LIDAR point as the reference camera sees it: its pixel (distortion included) and its depth along the optical axis.</summary>
public readonly record struct ProjectedPoint(double U, double V, double DepthM);

/// <summary>
/// Projects LIDAR points into a camera through the rig's geometry: a point at (angle, range) lies at range·(cos, sin, 0) in the
/// LIDAR frame (its scan plane is the frame's x-y plane), moved into the camera's optical frame by T_cam_lidar =
/// T_rig_cam⁻¹ · T_rig_lidar, then through the lens. Points behind the camera or outside the image have no projection.
/// </summary>
public sealed class LidarProjection(CameraModel camera, RigidTransform rigFromCamera, RigidTransform rigFromLidar)
{
    private readonly RigidTransform _cameraFromLidar = rigFromCamera.Inverse() * rigFromLidar;

    public CameraModel Camera { get; } = camera;

    /// <summary>For a session's geometry: null unless it has the camera's lens and both frames.</summary>
    public static LidarProjection? For(SessionGeometry geometry, string cameraStream, string lidarStream) =>
        geometry.CameraFor(cameraStream) is { } camera && geometry.FrameFor(cameraStream) is { } c && geometry.FrameFor(lidarStream) is { } l
            ? new LidarProjection(camera, c.RigFromFrame, l.RigFromFrame) : null;

    public bool TryProject(double angleRad, double rangeM, out ProjectedPoint point)
    {
        point = default;
        if (!(rangeM > 0)) return false;
        var p = _cameraFromLidar.Apply(new Vec3(rangeM * Math.Cos(angleRad), rangeM * Math.Sin(angleRad), 0));
        if (Camera.Intrinsics.Project(p) is not { } pixel || pixel.U < 0 || pixel.V < 0 || pixel.U >= Camera.Width || pixel.V >= Camera.Height) return false;
        point = new ProjectedPoint(pixel.U, pixel.V, p.Z);
        return true;
    }
}
