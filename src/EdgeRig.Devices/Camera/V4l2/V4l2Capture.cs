using EdgeRig.Core;
using EdgeRig.Imaging;

namespace EdgeRig.Devices.Camera.V4l2;

/// <summary>
/// One open, streaming camera: checks that the device captures by streaming and offers the rig file's fourcc, size and
/// rate (ENUM_FMT, ENUM_FRAMESIZES, ENUM_FRAMEINTERVALS), sets them (S_FMT, S_PARM), maps and queues the buffers and
/// starts streaming. Turns each dequeued frame into a JPEG: MJPEG bytes copied untouched, YUYV converted to I420 and
/// encoded with TurboJPEG. Dispose stops streaming and closes the node.
/// </summary>
public sealed class V4l2Capture : IDisposable
{
    /// <summary>Buffers asked of the driver: enough to ride out a slow consumer for a few frames.</summary>
    public const int BufferCount = 4;

    private readonly V4l2BufferQueue _queue;
    private readonly V4l2PixFormat _format;
    private readonly I420Image? _image;
    private readonly JpegCodec? _codec;
    private readonly int _quality;

    /// <exception cref="V4l2DeviceException">a call failed, or the device cannot capture the rig file's mode; the message
    /// names the path and what the device offers instead.</exception>
    /// <exception cref="IOException">YUYV needs libturbojpeg and it cannot be loaded.</exception>
    public V4l2Capture(IV4l2Node node, DeviceProfile profile)
    {
        Node = node;
        Device = new V4l2Device(node);
        _quality = profile.JpegQuality;
        try
        {
            _format = Negotiate(profile);
            if (_format.PixelFormat == V4l2Abi.PixelFormatYuyv)
            {
                if (JpegCodec.Probe() is { Found: false } jpeg) throw new IOException($"{node.Path}: YUYV frames need JPEG encoding: {jpeg.Unavailable}");
                _image = new I420Image((int)_format.Width, (int)_format.Height);
                _codec = new JpegCodec();
            }
            _queue = new V4l2BufferQueue(Device, BufferCount);
        }
        catch
        {
            _codec?.Dispose();
            node.Dispose();
            throw;
        }
    }

    public IV4l2Node Node { get; }

    public V4l2Device Device { get; }

    public V4l2BufferQueue Queue => _queue;

    /// <summary>The format the driver set.</summary>
    public V4l2PixFormat Format => _format;

    private V4l2PixFormat Negotiate(DeviceProfile p)
    {
        string path = Node.Path;
        var info = Device.QueryCapabilities();
        if (!info.CanCaptureByStreaming)
            throw new V4l2DeviceException(path, $"'{info.Card}' ({info.Driver}) cannot capture video by streaming I/O (capabilities 0x{info.Capabilities:x8})");
        uint fourcc = V4l2Abi.FourCc(p.Fourcc);
        var formats = Device.EnumerateFormats();
        if (!formats.Contains(fourcc))
            throw new V4l2DeviceException(path, $"'{info.Card}' offers {List(formats.Select(V4l2Abi.FourCcText))}, not {p.Fourcc}");
        var sizes = Device.EnumerateFrameSizes(fourcc);
        if (sizes.Count > 0 && !sizes.Any(s => s.Contains(p.Width, p.Height)))
            throw new V4l2DeviceException(path, $"'{info.Card}' offers {p.Fourcc} at {List(sizes.Select(s => s.ToString()))}, not {p.Width}x{p.Height}");
        var intervals = Device.EnumerateFrameIntervals(fourcc, p.Width, p.Height);
        if (intervals.Count > 0 && !intervals.Any(i => i.Contains(1 / p.RateHz)))
            throw new V4l2DeviceException(path, $"'{info.Card}' offers {p.Fourcc} {p.Width}x{p.Height} at {List(intervals.Select(i => i.ToString()))}, not {p.RateHz:0.##} fps");
        var set = Device.SetFormat(fourcc, p.Width, p.Height);
        if (set.PixelFormat != fourcc || set.Width != p.Width || set.Height != p.Height)
            throw new V4l2DeviceException(path, $"asked for {p.Fourcc} {p.Width}x{p.Height}, the driver set {V4l2Abi.FourCcText(set.PixelFormat)} {set.Width}x{set.Height}");
        if (fourcc == V4l2Abi.PixelFormatYuyv && set.BytesPerLine < 2 * set.Width)
            throw new V4l2DeviceException(path, $"the driver set {set.BytesPerLine} bytes per YUYV line, fewer than {2 * set.Width}");
        // a driver without a frame interval setting runs at its default rate (the intervals it listed, checked above)
        if (Device.TrySetFrameRate(p.RateHz, out double actual) && Math.Abs(actual - p.RateHz) > p.RateHz * 0.01)
            throw new V4l2DeviceException(path, $"asked for {p.RateHz:0.##} fps, the driver set {actual:0.##} fps");
        return set;
    }

    private static string List(IEnumerable<string> items) => items.Any() ? string.Join(", ", items) : "nothing";

    /// <summary>The JPEG of a dequeued frame: MJPEG bytes as the camera sent them, YUYV encoded; false for an empty frame.</summary>
    public bool TryJpeg(in V4l2Frame frame, out byte[] jpeg)
    {
        var data = _queue.Data(frame);
        jpeg = [];
        if (_codec is null)
        {
            if (data.Length < 2 || data[0] != 0xFF || data[1] != 0xD8) return false; // not a JPEG (a truncated or empty UVC payload)
            jpeg = data.ToArray();
            return true;
        }
        int needed = (int)(_format.BytesPerLine * (_format.Height - 1) + 2 * _format.Width);
        if (data.Length < needed) return false;
        YuyvToI420.Convert(data, (int)_format.BytesPerLine, _image!, limitedRange: _format.Quantization != V4l2Abi.QuantizationFullRange);
        jpeg = _codec.Encode(_image!, _quality);
        return true;
    }

    public void Dispose()
    {
        _queue.Dispose();
        _codec?.Dispose();
        Node.Dispose();
    }
}
