using EdgeRig.Core;
using EdgeRig.Export.SessionMcap.Foxglove;
using Google.Protobuf;

namespace EdgeRig.Export.SessionMcap;

/// <summary>
/// A session's static geometry as Foxglove messages: one <c>foxglove.FrameTransform</c> per exported sensor frame on
/// <see cref="TransformTopic"/> ("rig" → the stream's frameId) and one <c>foxglove.CameraCalibration</c> per exported camera
/// on "/STREAM/calibration" (plumb_bob: OpenCV's k1, k2, p1, p2, k3; R identity; P = [K | 0]).
/// </summary>
public static class GeometryMessages
{
    public const string TransformTopic = "/tf";

    public static string CalibrationTopic(string stream) => $"/{stream}/calibration";

    /// <summary>The messages for the exported streams, in topic order (the transforms, then each camera), stamped <paramref name="time"/>.</summary>
    public static IReadOnlyList<(string Topic, IMessage Message)> For(SessionGeometry geometry, IReadOnlyList<StreamDescriptor> streams, RigTime time)
    {
        var exported = streams.Select(s => s.Id.Value).ToHashSet(StringComparer.Ordinal);
        var messages = new List<(string, IMessage)>();
        foreach (var f in geometry.Frames.Where(f => exported.Contains(f.Stream)).OrderBy(f => f.FrameId, StringComparer.Ordinal))
            messages.Add((TransformTopic, Transform(f, time)));
        foreach (var c in geometry.Cameras.Where(c => exported.Contains(c.Stream)).OrderBy(c => c.Stream, StringComparer.Ordinal))
            messages.Add((CalibrationTopic(c.Stream), Calibration(c, time)));
        return messages;
    }

    public static FrameTransform Transform(FramePose pose, RigTime time)
    {
        var (r, t) = (pose.RigFromFrame.Rotation.Normalized(), pose.RigFromFrame.Translation);
        return new FrameTransform
        {
            Timestamp = SampleMessages.Stamp(time), ParentFrameId = SessionGeometry.RigFrame, ChildFrameId = pose.FrameId,
            Translation = new Vector3 { X = t.X, Y = t.Y, Z = t.Z }, Rotation = new Quaternion { X = r.X, Y = r.Y, Z = r.Z, W = r.W },
        };
    }

    public static CameraCalibration Calibration(CameraModel camera, RigTime time)
    {
        var k = camera.Intrinsics;
        var message = new CameraCalibration
        {
            Timestamp = SampleMessages.Stamp(time), FrameId = camera.FrameId, Width = (uint)camera.Width, Height = (uint)camera.Height, DistortionModel = "plumb_bob",
        };
        message.D.AddRange(k.Distortion);
        message.K.AddRange([k.Fx, 0, k.Cx, 0, k.Fy, k.Cy, 0, 0, 1]);
        message.R.AddRange([1, 0, 0, 0, 1, 0, 0, 0, 1]);
        message.P.AddRange([k.Fx, 0, k.Cx, 0, 0, k.Fy, k.Cy, 0, 0, 0, 1, 0]);
        return message;
    }
}
