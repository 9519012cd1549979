using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using EdgeRig.Core;
using EdgeRig.Devices.Camera.V4l2;

namespace EdgeRig.Devices.Tests.Camera.V4l2;

/// <summary>What the fake kernel does at one DQBUF: deliver a frame, fail with an errno, or lose the node.</summary>
internal abstract record DqbufStep;

/// <summary>A filled buffer: its bytes, the kernel's sequence and CLOCK_MONOTONIC time, and extra buffer flags.</summary>
internal sealed record FrameStep(uint Sequence, long TimestampNs, byte[] Data, uint ExtraFlags = 0) : DqbufStep;

/// <summary>poll reports POLLERR and DQBUF fails with the errno (ENODEV, EIO: the camera was pulled); the next
/// <paramref name="AbsentOpens"/> opens fail with ENOENT.</summary>
internal sealed record FailStep(int Errno, int AbsentOpens) : DqbufStep;

/// <summary>The node is removed with no error on the fd: poll just times out; the next opens fail with ENOENT.</summary>
internal sealed record VanishStep(int AbsentOpens) : DqbufStep;

/// <summary>
/// A fake V4L2 camera behind <see cref="IV4l2Node"/>: it answers the ioctls the driver makes by filling the same structs the
/// kernel fills, maps buffers to native memory, and replays a script of DQBUF results across opens (hot-plug included).
/// Everything it was asked is logged, so tests check the driver's calls as well as its samples.
/// </summary>
internal sealed class FakeV4l2Kernel
{
    private readonly object _gate = new();
    private readonly Queue<DqbufStep> _script = new();
    private readonly List<string> _log = [];
    private int _absentOpens;

    public string Path { get; init; } = "/dev/video-fake";
    public string Fourcc { get; init; } = "MJPG";
    public (int Width, int Height)[] Sizes { get; init; } = [(320, 240), (640, 480)];
    public double[] RatesHz { get; init; } = [30, 15];
    public uint TimestampFlags { get; init; } = V4l2Abi.BufFlagTimestampMonotonic | V4l2Abi.BufFlagTimestampSourceSoe;
    /// <summary>Whether the driver has VIDIOC_S_PARM (some answer ENOTTY and run at their default rate).</summary>
    public bool HasFrameIntervalSetting { get; init; } = true;
    /// <summary>Padding the fake adds to each YUYV line (bytesperline = 2 × width + this).</summary>
    public int LinePadding { get; init; }
    public Dictionary<uint, int> Controls { get; } = new() { [V4l2Abi.CidExposureAuto] = V4l2Abi.ExposureAperturePriority, [V4l2Abi.CidExposureAbsolute] = 333 };

    public int OpenAttempts { get; private set; }
    public int FailedOpens { get; private set; }
    /// <summary>Polls made while the node was gone (before the driver noticed).</summary>
    public int PollsWhileGone { get; private set; }
    public int LiveMappings { get; private set; }
    public bool Present { get; private set; } = true;

    public void Script(params DqbufStep[] steps)
    {
        lock (_gate) foreach (var s in steps) _script.Enqueue(s);
    }

    public string[] Log { get { lock (_gate) return [.. _log]; } }

    public bool ScriptDone { get { lock (_gate) return _script.Count == 0; } }

    /// <summary>What the driver's open callback does: ENOENT while the node is absent, else a fresh open node.</summary>
    public IV4l2Node Open(string path)
    {
        lock (_gate)
        {
            OpenAttempts++;
            if (path != Path || _absentOpens > 0)
            {
                _absentOpens = Math.Max(0, _absentOpens - 1);
                FailedOpens++;
                throw new V4l2DeviceException(path, "open", Libc.ENoEnt);
            }
            Present = true;
            _log.Add("open");
            return new Node(this);
        }
    }

    private uint PixelFormat => V4l2Abi.FourCc(Fourcc);

    private sealed unsafe class Node(FakeV4l2Kernel k) : IV4l2Node
    {
        private readonly Dictionary<uint, (nint Address, int Length)> _maps = [];
        private readonly Queue<uint> _queued = new();
        private int _buffers, _bufferLength;
        private V4l2PixFormat _format;

        public string Path => k.Path;
        public bool StillPresent { get { lock (k._gate) return k.Present; } }

        public int Ioctl<T>(uint request, ref T argument) where T : unmanaged
        {
            lock (k._gate)
            {
                if (request == V4l2Abi.QueryCapability) return QueryCap(ref As<T, V4l2Capability>(ref argument));
                if (request == V4l2Abi.EnumFormat) return EnumFormat(ref As<T, V4l2FormatDescription>(ref argument));
                if (request == V4l2Abi.EnumFrameSizes) return EnumSizes(ref As<T, V4l2FrameSizeEnum>(ref argument));
                if (request == V4l2Abi.EnumFrameIntervals) return EnumIntervals(ref As<T, V4l2FrameIntervalEnum>(ref argument));
                if (request == V4l2Abi.SetFormat) return SetFormat(ref As<T, V4l2Format>(ref argument));
                if (request == V4l2Abi.SetParameters) return SetParm(ref As<T, V4l2StreamParameters>(ref argument));
                if (request == V4l2Abi.RequestBuffers) return RequestBuffers(ref As<T, V4l2RequestBuffers>(ref argument));
                if (request == V4l2Abi.QueryBuffer) return QueryBuffer(ref As<T, V4l2Buffer>(ref argument));
                if (request == V4l2Abi.QueueBuffer) return QueueBuffer(ref As<T, V4l2Buffer>(ref argument));
                if (request == V4l2Abi.DequeueBuffer) return DequeueBuffer(ref As<T, V4l2Buffer>(ref argument));
                if (request == V4l2Abi.StreamOn || request == V4l2Abi.StreamOff) return Logged(request == V4l2Abi.StreamOn ? "STREAMON" : "STREAMOFF", k.Present ? 0 : Libc.ENoDev);
                if (request == V4l2Abi.GetControl) return GetControl(ref As<T, V4l2Control>(ref argument));
                if (request == V4l2Abi.SetControl) return SetControl(ref As<T, V4l2Control>(ref argument));
                return Libc.ENotTy; // not an ioctl this fake knows
            }
        }

        private static ref TTo As<TFrom, TTo>(ref TFrom value) => ref Unsafe.As<TFrom, TTo>(ref value);

        private int Logged(string what, int errno = 0)
        {
            k._log.Add(what);
            return errno;
        }

        private static int QueryCap(ref V4l2Capability c)
        {
            fixed (byte* driver = c.Driver) Write(driver, 16, "fakevideo");
            fixed (byte* card = c.Card) Write(card, 32, "Fake UVC Camera");
            c.Capabilities = V4l2Abi.CapVideoCapture | V4l2Abi.CapStreaming | V4l2Abi.CapDeviceCaps;
            c.DeviceCaps = V4l2Abi.CapVideoCapture | V4l2Abi.CapStreaming;
            return 0;
        }

        private static void Write(byte* field, int size, string text) => Encoding.ASCII.GetBytes(text).AsSpan(0, Math.Min(text.Length, size - 1)).CopyTo(new Span<byte>(field, size));

        private int EnumFormat(ref V4l2FormatDescription d)
        {
            if (d.Index > 0) return Libc.EInval;
            d.PixelFormat = k.PixelFormat;
            return 0;
        }

        private int EnumSizes(ref V4l2FrameSizeEnum e)
        {
            if (e.PixelFormat != k.PixelFormat || e.Index >= k.Sizes.Length) return Libc.EInval;
            e.Type = V4l2Abi.FrameSizeDiscrete;
            (e.DiscreteWidth, e.DiscreteHeight) = ((uint)k.Sizes[e.Index].Width, (uint)k.Sizes[e.Index].Height);
            return 0;
        }

        private int EnumIntervals(ref V4l2FrameIntervalEnum e)
        {
            if (e.PixelFormat != k.PixelFormat || e.Index >= k.RatesHz.Length) return Libc.EInval;
            e.Type = V4l2Abi.FrameIntervalDiscrete;
            (e.Discrete.Numerator, e.Discrete.Denominator) = V4l2Device.IntervalOf(k.RatesHz[e.Index]);
            return 0;
        }

        private int SetFormat(ref V4l2Format f)
        {
            if (f.Type != V4l2Abi.BufTypeVideoCapture) return Libc.EInval;
            var size = k.Sizes.Contains(((int)f.Pix.Width, (int)f.Pix.Height)) ? ((int)f.Pix.Width, (int)f.Pix.Height) : k.Sizes[0]; // as drivers do: the nearest it has
            bool yuyv = k.PixelFormat == V4l2Abi.PixelFormatYuyv;
            f.Pix = new V4l2PixFormat
            {
                Width = (uint)size.Item1, Height = (uint)size.Item2, PixelFormat = k.PixelFormat, Field = V4l2Abi.FieldNone,
                BytesPerLine = yuyv ? (uint)(2 * size.Item1 + k.LinePadding) : 0,
            };
            f.Pix.SizeImage = yuyv ? f.Pix.BytesPerLine * f.Pix.Height : (uint)(size.Item1 * size.Item2);
            _format = f.Pix;
            return Logged($"S_FMT {V4l2Abi.FourCcText(f.Pix.PixelFormat)} {f.Pix.Width}x{f.Pix.Height}");
        }

        private int SetParm(ref V4l2StreamParameters p)
        {
            if (!k.HasFrameIntervalSetting) return Logged("S_PARM unsupported", Libc.ENotTy);
            p.Capture.Capability = V4l2Abi.CapTimePerFrame;
            return Logged($"S_PARM {p.Capture.TimePerFrame.Numerator}/{p.Capture.TimePerFrame.Denominator}");
        }

        private int RequestBuffers(ref V4l2RequestBuffers r)
        {
            if (r.Memory != V4l2Abi.MemoryMmap) return Libc.EInval;
            r.Count = Math.Min(r.Count, 3u); // fewer than asked, as drivers may
            _buffers = (int)r.Count;
            _bufferLength = (int)_format.SizeImage;
            _queued.Clear();
            return Logged($"REQBUFS {r.Count}");
        }

        private int QueryBuffer(ref V4l2Buffer b)
        {
            if (b.Index >= _buffers) return Libc.EInval;
            b.Length = (uint)_bufferLength;
            b.M = b.Index * 4096u;
            b.Flags = k.TimestampFlags;
            return 0;
        }

        private int QueueBuffer(ref V4l2Buffer b)
        {
            if (b.Index >= _buffers || !_maps.ContainsKey(b.Index * 4096u)) return Libc.EInval;
            if (!k.Present) return Libc.ENoDev;
            _queued.Enqueue(b.Index);
            return 0;
        }

        private int DequeueBuffer(ref V4l2Buffer b)
        {
            if (!k._script.TryPeek(out var step) || step is VanishStep) return Libc.EAgain;
            if (step is FailStep fail)
            {
                k._script.Dequeue();
                return fail.Errno;
            }
            if (!_queued.TryDequeue(out uint index)) return Libc.EAgain;
            var frame = (FrameStep)k._script.Dequeue();
            var (address, length) = _maps[index * 4096u];
            if (frame.Data.Length > length) throw new InvalidOperationException($"scripted frame of {frame.Data.Length} bytes does not fit a {length}-byte buffer");
            frame.Data.CopyTo(new Span<byte>((void*)address, length));
            b.Index = index;
            b.BytesUsed = (uint)frame.Data.Length;
            b.Flags = k.TimestampFlags | frame.ExtraFlags;
            b.Sequence = frame.Sequence;
            b.Timestamp = new Libc.TimeVal { Seconds = frame.TimestampNs / 1_000_000_000, Microseconds = frame.TimestampNs % 1_000_000_000 / 1000 };
            return 0;
        }

        private int GetControl(ref V4l2Control c)
        {
            if (!k.Controls.TryGetValue(c.Id, out int value)) return Libc.EInval;
            c.Value = value;
            return 0;
        }

        private int SetControl(ref V4l2Control c)
        {
            if (!k.Controls.ContainsKey(c.Id)) return Libc.EInval;
            k.Controls[c.Id] = c.Value;
            return Logged($"S_CTRL 0x{c.Id:x8}={c.Value}");
        }

        public int Map(int length, uint offset, out nint address)
        {
            lock (k._gate)
            {
                address = (nint)NativeMemory.AllocZeroed((nuint)length);
                _maps[offset] = (address, length);
                k.LiveMappings++;
                return 0;
            }
        }

        public int Unmap(nint address, int length)
        {
            lock (k._gate)
            {
                var entry = _maps.First(m => m.Value.Address == address);
                if (entry.Value.Length != length) return Libc.EInval;
                _maps.Remove(entry.Key);
                NativeMemory.Free((void*)address);
                k.LiveMappings--;
                return 0;
            }
        }

        public int Poll(int timeoutMs, out short returnedEvents)
        {
            returnedEvents = 0;
            lock (k._gate)
            {
                if (k._script.TryPeek(out var step))
                {
                    switch (step)
                    {
                        case FrameStep when _queued.Count > 0:
                            returnedEvents = Libc.PollIn;
                            return 0;
                        case FailStep fail:
                            k.Present = false;
                            k._absentOpens = fail.AbsentOpens;
                            returnedEvents = Libc.PollErr;
                            return 0;
                        case VanishStep vanish:
                            k._script.Dequeue();
                            k.Present = false;
                            k._absentOpens = vanish.AbsentOpens;
                            break;
                    }
                }
                if (!k.Present) k.PollsWhileGone++;
            }
            Thread.Sleep(1); // a timeout: nothing to deliver (kept short; tests never wait on real time)
            return 0;
        }

        public void Dispose()
        {
            lock (k._gate) k._log.Add("close");
        }
    }
}
