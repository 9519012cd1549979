using EdgeRig.Core;

namespace EdgeRig.Calibration.Motion;

/// <summary>
/// A camera's yaw rate from its frames (optical flow), for the motion method. An interface so that Calibration carries no image
/// library: the service plugs in EdgeRig.Vision's OpenCV implementation, and readers of profiles (the CLI) never load one.
/// </summary>
public interface ICameraYawRate
{
    /// <summary>
    /// The yaw rate (rad/s) between consecutive frames, at the midpoint of their rig times (ns after <paramref name="origin"/>);
    /// <paramref name="radiansPerPixel"/> is the angle of one full-size pixel. Only the lag matters, so the scale may be rough.
    /// </summary>
    RateSeries Measure(IReadOnlyList<Sample> frames, RigTime origin, double radiansPerPixel);
}
