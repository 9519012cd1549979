using System.Runtime.InteropServices;
using EdgeRig.Core;
using EdgeRig.Devices.Hotplug;
using OpenCvSharp;

namespace EdgeRig.Devices.Camera;

/// <summary>
/// A camera or video file read with OpenCvSharp's VideoCapture (rig file driver "opencv"): the default backend for a
/// video file or another non-V4L2 source, the V4L2 backend for /dev/videoN (<see cref="V4l2Camera"/>, driver "v4l2", is
/// the driver for V4L2 devices: it keeps each frame's kernel timestamp and sequence, which VideoCapture hides). It asks for MJPG at the rig file's size and rate with RGB conversion off, so each frame's JPEG
/// bytes are passed through undecoded; a backend that hands back decoded pixels anyway is re-encoded and counted
/// in <see cref="ReencodedFrames"/>. Sensor time is the frame counter; host time is the V4L2 buffer timestamp
/// (CAP_PROP_POS_MSEC, CLOCK_MONOTONIC for uvcvideo) when the backend gives one, else the time of the grab.
/// A file is paced at the rig rate, so a recorded clip stands in for a live camera; its end, like an unplug,
/// is a lost device that is reopened (see <see cref="HotplugSensor"/>).
/// </summary>
public sealed class OpenCvCamera : HotplugSensor
{
    private readonly int[] _encodeParams;
    private readonly bool _isDeviceNode;

    public OpenCvCamera(DeviceProfile profile, IHostClock clock) : base(profile, SimulatedCamera.DescriptorFor(profile), clock)
    {
        _encodeParams = [(int)ImwriteFlags.JpegQuality, profile.JpegQuality];
        _isDeviceNode = profile.Path.StartsWith("/dev/", StringComparison.Ordinal);
    }

    /// <summary>Frames whose JPEG bytes came straight from the device.</summary>
    public long PassthroughFrames { get; private set; }

    /// <summary>Frames the backend decoded and the driver had to encode again.</summary>
    public long ReencodedFrames { get; private set; }

    protected override IDisposable OpenDevice()
    {
        if (!_isDeviceNode && !File.Exists(Profile.Path)) throw new IOException($"video file {Profile.Path} does not exist");
        var capture = _isDeviceNode ? new VideoCapture(Profile.Path, VideoCaptureAPIs.V4L2) : new VideoCapture(Profile.Path);
        if (!capture.IsOpened())
        {
            capture.Dispose();
            throw new IOException($"cannot open camera {Profile.Path}");
        }
        var f = Profile.Fourcc;
        capture.Set(VideoCaptureProperties.FourCC, VideoWriter.FourCC(f[0], f[1], f[2], f[3]));
        capture.Set(VideoCaptureProperties.FrameWidth, Profile.Width);
        capture.Set(VideoCaptureProperties.FrameHeight, Profile.Height);
        capture.Set(VideoCaptureProperties.Fps, Profile.RateHz);
        capture.Set(VideoCaptureProperties.ConvertRgb, 0); // V4L2: hand back the MJPEG buffer as it is
        capture.Set(VideoCaptureProperties.Format, -1);    // FFmpeg: raw packets
        return capture;
    }

    protected override void RunSession(IDisposable device, ISampleSink sink, CancellationToken stop)
    {
        var capture = (VideoCapture)device;
        using var frame = new Mat();
        long counter = 0;
        var period = Duration.FromSeconds(1 / Profile.RateHz);
        var next = Clock.Now;
        while (!stop.IsCancellationRequested)
        {
            if (!_isDeviceNode && !WaitUntil(next, stop)) return;
            if (!capture.Grab()) throw new IOException($"{Profile.Path}: no more frames");
            var grabbed = Clock.Now;
            double bufferMs = _isDeviceNode ? capture.Get(VideoCaptureProperties.PosMsec) : 0;
            if (!capture.Retrieve(frame) || frame.Empty()) throw new IOException($"{Profile.Path}: frame {counter} could not be retrieved");
            var host = bufferMs > 0 ? new HostTime((long)(bufferMs * 1e6)) : grabbed;
            sink.Publish(new Sample(Descriptor.Id, NextSequence(), new SensorTime(counter++), host, default, JpegBytes(frame)));
            next += period;
        }
    }

    /// <summary>The JPEG of a retrieved frame: the raw buffer when the backend passed it through, else an encoding of the pixels.</summary>
    private byte[] JpegBytes(Mat frame)
    {
        if (IsRawJpeg(frame))
        {
            var bytes = new byte[frame.Total() * frame.ElemSize()];
            Marshal.Copy(frame.Data, bytes, 0, bytes.Length);
            PassthroughFrames++;
            return bytes;
        }
        Cv2.ImEncode(".jpg", frame, out byte[] jpeg, _encodeParams);
        ReencodedFrames++;
        return jpeg;
    }

    private static unsafe bool IsRawJpeg(Mat frame) =>
        frame.Type() == MatType.CV_8UC1 && (frame.Rows == 1 || frame.Cols == 1) && frame.Total() > 2 && frame.IsContinuous()
        && ((byte*)frame.Data)[0] == 0xFF && ((byte*)frame.Data)[1] == 0xD8;

    private bool WaitUntil(HostTime t, CancellationToken stop)
    {
        var remaining = t - Clock.Now;
        return remaining <= Duration.Zero || !stop.WaitHandle.WaitOne(remaining.ToTimeSpan());
    }
}
