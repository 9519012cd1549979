using EdgeRig.Core;
using EdgeRig.Devices.Camera;

namespace EdgeRig.Devices.Simulation;

/// <summary>Where a simulated twin truly sits and how its lens truly maps: the rig file's mount and intrinsics, or the
/// defaults (at the rig's origin, axes aligned; a camera's undistorted 60° model).</summary>
public static class SimulatedGeometry
{
    /// <summary>T_rig_sensor of the device's frame (for a camera, its optical frame: x right, y down, z forward).</summary>
    public static RigidTransform RigFromSensor(DeviceProfile d) => DeviceGeometry.RigFromSensor(d);

    /// <summary>A simulated camera's true lens model.</summary>
    public static CameraIntrinsics IntrinsicsOf(DeviceProfile d) =>
        d.Intrinsics ?? CameraIntrinsics.ForFieldOfView(d.Width, d.Height, SimulatedCamera.HorizontalFieldOfViewRad);

    public static DeviceGeometryTruth TruthOf(DeviceProfile d) =>
        new(d.Id, d.FrameId, SensorPose.From(RigFromSensor(d)), d.Kind == "camera" ? IntrinsicsOf(d) : null);
}
