using System.Runtime.InteropServices;
using EdgeRig.Calibration.Motion;
using EdgeRig.Core;
using OpenCvSharp;

namespace EdgeRig.Vision;

/// <summary>A camera's yaw rate by dense Farneback optical flow (OpenCV), the motion method's camera rate source.</summary>
public sealed class FarnebackCameraYaw : ICameraYawRate
{
    /// <summary>
    /// Dense Farneback optical flow between consecutive frames (decoded in grey at a quarter size),
    /// the median horizontal flow in pixels turned into an angle (<paramref name="radiansPerPixel"/> at full size) over the
    /// frames' time difference, at the midpoint of the two frame times. Only the lag matters, so the scale may be rough.
    /// </summary>
    public RateSeries Measure(IReadOnlyList<Sample> frames, RigTime origin, double radiansPerPixel)
    {
        var times = new List<double>();
        var rates = new List<double>();
        Mat? previous = null;
        double previousTime = 0;
        foreach (var frame in frames.OrderBy(s => s.Rig.Time))
        {
            var grey = Cv2.ImDecode(frame.Payload.Span, ImreadModes.ReducedGrayscale4);
            double t = (frame.Rig.Time - origin).Nanoseconds;
            if (grey.Empty()) { grey.Dispose(); continue; }
            if (previous is not null && previous.Size() == grey.Size())
            {
                using var flow = new Mat();
                Cv2.CalcOpticalFlowFarneback(previous, grey, flow, 0.5, 4, 21, 3, 5, 1.1, OpticalFlowFlags.None);
                double dx = MedianHorizontal(flow);
                times.Add((previousTime + t) / 2);
                rates.Add(-dx * 4 * radiansPerPixel / ((t - previousTime) / 1e9));
            }
            previous?.Dispose();
            (previous, previousTime) = (grey, t);
        }
        previous?.Dispose();
        return new RateSeries([.. times], [.. rates]);
    }


    private static double MedianHorizontal(Mat flow)
    {
        var values = new float[flow.Total() * 2];
        using var continuous = flow.IsContinuous() ? null : flow.Clone();
        Marshal.Copy((continuous ?? flow).Data, values, 0, values.Length);
        var dx = new double[values.Length / 2];
        for (int i = 0; i < dx.Length; i++) dx[i] = values[2 * i];
        return Calibration.RobustStatistics.Median(dx);
    }
}
