using System.Diagnostics;
using System.Runtime.CompilerServices;
using EdgeRig.Core;
using EdgeRig.Devices.Camera.V4l2;

namespace EdgeRig.Devices.Tests.Camera.V4l2;

/// <summary>
/// The V4L2 and libc layouts the driver uses, checked against the kernel's own headers: a C program compiled with the system
/// compiler prints every size, offset, ioctl number and constant, and the same list is compiled for arm64 with the cross
/// compiler as static assertions (the C# structs hold no nint, so their layout is the same in an arm64 process).
/// </summary>
public sealed unsafe class V4l2AbiTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgerig-v4l2-abi-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ulong Offset<TStruct, TField>(ref TStruct s, ref TField field) =>
        (ulong)Unsafe.ByteOffset(ref Unsafe.As<TStruct, byte>(ref s), ref Unsafe.As<TField, byte>(ref field));

    /// <summary>Each C expression with the value the C# side has for it.</summary>
    internal static IReadOnlyList<(string C, ulong CSharp)> Facts()
    {
        var cap = new V4l2Capability();
        var desc = new V4l2FormatDescription();
        var size = new V4l2FrameSizeEnum();
        var interval = new V4l2FrameIntervalEnum();
        var pix = new V4l2PixFormat();
        var format = new V4l2Format();
        var parm = new V4l2StreamParameters();
        var request = new V4l2RequestBuffers();
        var buffer = new V4l2Buffer();
        var control = new V4l2Control();
        var poll = new Libc.PollFd();
        return
        [
            ("sizeof(struct v4l2_capability)", (ulong)sizeof(V4l2Capability)),
            ("offsetof(struct v4l2_capability, version)", Offset(ref cap, ref cap.Version)),
            ("offsetof(struct v4l2_capability, capabilities)", Offset(ref cap, ref cap.Capabilities)),
            ("offsetof(struct v4l2_capability, device_caps)", Offset(ref cap, ref cap.DeviceCaps)),
            ("sizeof(struct v4l2_fmtdesc)", (ulong)sizeof(V4l2FormatDescription)),
            ("offsetof(struct v4l2_fmtdesc, pixelformat)", Offset(ref desc, ref desc.PixelFormat)),
            ("sizeof(struct v4l2_frmsizeenum)", (ulong)sizeof(V4l2FrameSizeEnum)),
            ("offsetof(struct v4l2_frmsizeenum, type)", Offset(ref size, ref size.Type)),
            ("offsetof(struct v4l2_frmsizeenum, discrete.width)", Offset(ref size, ref size.DiscreteWidth)),
            ("offsetof(struct v4l2_frmsizeenum, discrete.height)", Offset(ref size, ref size.DiscreteHeight)),
            ("offsetof(struct v4l2_frmsizeenum, stepwise.max_width)", Offset(ref size, ref size.Stepwise.MaxWidth)),
            ("offsetof(struct v4l2_frmsizeenum, stepwise.step_height)", Offset(ref size, ref size.Stepwise.StepHeight)),
            ("sizeof(struct v4l2_frmivalenum)", (ulong)sizeof(V4l2FrameIntervalEnum)),
            ("offsetof(struct v4l2_frmivalenum, type)", Offset(ref interval, ref interval.Type)),
            ("offsetof(struct v4l2_frmivalenum, discrete)", Offset(ref interval, ref interval.Discrete)),
            ("offsetof(struct v4l2_frmivalenum, stepwise.max)", Offset(ref interval, ref interval.StepwiseMax)),
            ("offsetof(struct v4l2_frmivalenum, stepwise.step)", Offset(ref interval, ref interval.StepwiseStep)),
            ("sizeof(struct v4l2_fract)", (ulong)sizeof(V4l2Fraction)),
            ("sizeof(struct v4l2_pix_format)", (ulong)sizeof(V4l2PixFormat)),
            ("offsetof(struct v4l2_pix_format, bytesperline)", Offset(ref pix, ref pix.BytesPerLine)),
            ("offsetof(struct v4l2_pix_format, quantization)", Offset(ref pix, ref pix.Quantization)),
            ("sizeof(struct v4l2_format)", (ulong)sizeof(V4l2Format)),
            ("offsetof(struct v4l2_format, fmt.pix)", Offset(ref format, ref format.Pix)),
            ("offsetof(struct v4l2_format, fmt.pix.sizeimage)", Offset(ref format, ref format.Pix.SizeImage)),
            ("sizeof(struct v4l2_captureparm)", (ulong)sizeof(V4l2CaptureParameters)),
            ("sizeof(struct v4l2_streamparm)", (ulong)sizeof(V4l2StreamParameters)),
            ("offsetof(struct v4l2_streamparm, parm.capture.capability)", Offset(ref parm, ref parm.Capture.Capability)),
            ("offsetof(struct v4l2_streamparm, parm.capture.timeperframe)", Offset(ref parm, ref parm.Capture.TimePerFrame)),
            ("sizeof(struct v4l2_requestbuffers)", (ulong)sizeof(V4l2RequestBuffers)),
            ("offsetof(struct v4l2_requestbuffers, capabilities)", Offset(ref request, ref request.Capabilities)),
            ("offsetof(struct v4l2_requestbuffers, flags)", Offset(ref request, ref request.Flags)),
            ("sizeof(struct v4l2_timecode)", (ulong)sizeof(V4l2Timecode)),
            ("sizeof(struct v4l2_buffer)", (ulong)sizeof(V4l2Buffer)),
            ("offsetof(struct v4l2_buffer, bytesused)", Offset(ref buffer, ref buffer.BytesUsed)),
            ("offsetof(struct v4l2_buffer, flags)", Offset(ref buffer, ref buffer.Flags)),
            ("offsetof(struct v4l2_buffer, field)", Offset(ref buffer, ref buffer.Field)),
            ("offsetof(struct v4l2_buffer, timestamp)", Offset(ref buffer, ref buffer.Timestamp)),
            ("offsetof(struct v4l2_buffer, timestamp.tv_usec)", Offset(ref buffer, ref buffer.Timestamp.Microseconds)),
            ("offsetof(struct v4l2_buffer, timecode)", Offset(ref buffer, ref buffer.Timecode)),
            ("offsetof(struct v4l2_buffer, sequence)", Offset(ref buffer, ref buffer.Sequence)),
            ("offsetof(struct v4l2_buffer, memory)", Offset(ref buffer, ref buffer.Memory)),
            ("offsetof(struct v4l2_buffer, m.offset)", Offset(ref buffer, ref buffer.M)),
            ("sizeof(((struct v4l2_buffer *)0)->m)", (ulong)sizeof(ulong)),
            ("offsetof(struct v4l2_buffer, length)", Offset(ref buffer, ref buffer.Length)),
            ("offsetof(struct v4l2_buffer, request_fd)", Offset(ref buffer, ref buffer.RequestFd)),
            ("sizeof(struct v4l2_control)", (ulong)sizeof(V4l2Control)),
            ("offsetof(struct v4l2_control, value)", Offset(ref control, ref control.Value)),
            ("sizeof(struct timeval)", (ulong)sizeof(Libc.TimeVal)),
            ("sizeof(struct pollfd)", (ulong)sizeof(Libc.PollFd)),
            ("offsetof(struct pollfd, revents)", Offset(ref poll, ref poll.ReturnedEvents)),
            ("VIDIOC_QUERYCAP", V4l2Abi.QueryCapability),
            ("VIDIOC_ENUM_FMT", V4l2Abi.EnumFormat),
            ("VIDIOC_S_FMT", V4l2Abi.SetFormat),
            ("VIDIOC_REQBUFS", V4l2Abi.RequestBuffers),
            ("VIDIOC_QUERYBUF", V4l2Abi.QueryBuffer),
            ("VIDIOC_QBUF", V4l2Abi.QueueBuffer),
            ("VIDIOC_DQBUF", V4l2Abi.DequeueBuffer),
            ("VIDIOC_STREAMON", V4l2Abi.StreamOn),
            ("VIDIOC_STREAMOFF", V4l2Abi.StreamOff),
            ("VIDIOC_S_PARM", V4l2Abi.SetParameters),
            ("VIDIOC_G_CTRL", V4l2Abi.GetControl),
            ("VIDIOC_S_CTRL", V4l2Abi.SetControl),
            ("VIDIOC_ENUM_FRAMESIZES", V4l2Abi.EnumFrameSizes),
            ("VIDIOC_ENUM_FRAMEINTERVALS", V4l2Abi.EnumFrameIntervals),
            ("V4L2_CAP_VIDEO_CAPTURE", V4l2Abi.CapVideoCapture),
            ("V4L2_CAP_STREAMING", V4l2Abi.CapStreaming),
            ("V4L2_CAP_DEVICE_CAPS", V4l2Abi.CapDeviceCaps),
            ("V4L2_CAP_TIMEPERFRAME", V4l2Abi.CapTimePerFrame),
            ("V4L2_BUF_TYPE_VIDEO_CAPTURE", V4l2Abi.BufTypeVideoCapture),
            ("V4L2_MEMORY_MMAP", V4l2Abi.MemoryMmap),
            ("V4L2_FIELD_NONE", V4l2Abi.FieldNone),
            ("V4L2_FRMSIZE_TYPE_DISCRETE", V4l2Abi.FrameSizeDiscrete),
            ("V4L2_FRMSIZE_TYPE_CONTINUOUS", V4l2Abi.FrameSizeContinuous),
            ("V4L2_FRMSIZE_TYPE_STEPWISE", V4l2Abi.FrameSizeStepwise),
            ("V4L2_FRMIVAL_TYPE_DISCRETE", V4l2Abi.FrameIntervalDiscrete),
            ("V4L2_FRMIVAL_TYPE_CONTINUOUS", V4l2Abi.FrameIntervalContinuous),
            ("V4L2_FRMIVAL_TYPE_STEPWISE", V4l2Abi.FrameIntervalStepwise),
            ("V4L2_QUANTIZATION_DEFAULT", V4l2Abi.QuantizationDefault),
            ("V4L2_QUANTIZATION_FULL_RANGE", V4l2Abi.QuantizationFullRange),
            ("V4L2_QUANTIZATION_LIM_RANGE", V4l2Abi.QuantizationLimitedRange),
            ("V4L2_BUF_FLAG_ERROR", V4l2Abi.BufFlagError),
            ("V4L2_BUF_FLAG_TIMESTAMP_MASK", V4l2Abi.BufFlagTimestampMask),
            ("V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC", V4l2Abi.BufFlagTimestampMonotonic),
            ("V4L2_BUF_FLAG_TIMESTAMP_COPY", V4l2Abi.BufFlagTimestampCopy),
            ("V4L2_BUF_FLAG_TSTAMP_SRC_MASK", V4l2Abi.BufFlagTimestampSourceMask),
            ("V4L2_BUF_FLAG_TSTAMP_SRC_EOF", V4l2Abi.BufFlagTimestampSourceEof),
            ("V4L2_BUF_FLAG_TSTAMP_SRC_SOE", V4l2Abi.BufFlagTimestampSourceSoe),
            ("V4L2_CID_EXPOSURE_AUTO", V4l2Abi.CidExposureAuto),
            ("V4L2_CID_EXPOSURE_ABSOLUTE", V4l2Abi.CidExposureAbsolute),
            ("V4L2_EXPOSURE_MANUAL", V4l2Abi.ExposureManual),
            ("V4L2_EXPOSURE_APERTURE_PRIORITY", V4l2Abi.ExposureAperturePriority),
            ("V4L2_PIX_FMT_MJPEG", V4l2Abi.PixelFormatMjpeg),
            ("V4L2_PIX_FMT_YUYV", V4l2Abi.PixelFormatYuyv),
            ("O_RDWR", Libc.ORdWr),
            ("O_NONBLOCK", Libc.ONonblock),
            ("O_CLOEXEC", Libc.OCloexec),
            ("PROT_READ", Libc.ProtRead),
            ("PROT_WRITE", Libc.ProtWrite),
            ("MAP_SHARED", Libc.MapShared),
            ("(uintptr_t)MAP_FAILED", unchecked((ulong)Libc.MapFailed)),
            ("POLLIN", (ulong)Libc.PollIn),
            ("POLLERR", (ulong)Libc.PollErr),
            ("POLLHUP", (ulong)Libc.PollHup),
            ("POLLNVAL", (ulong)Libc.PollNval),
            ("ENOENT", Libc.ENoEnt),
            ("EINTR", Libc.EIntr),
            ("EIO", Libc.EIo),
            ("EAGAIN", Libc.EAgain),
            ("ENODEV", Libc.ENoDev),
            ("EINVAL", Libc.EInval),
            ("ENOTTY", Libc.ENotTy),
        ];
    }

    private const string Includes = """
        #include <errno.h>
        #include <fcntl.h>
        #include <poll.h>
        #include <stddef.h>
        #include <stdint.h>
        #include <stdio.h>
        #include <sys/mman.h>
        #include <sys/time.h>
        #include <linux/videodev2.h>

        """;

    [Fact]
    public void HostCompiler_PrintsTheSameSizesOffsetsIoctlNumbersAndConstants()
    {
        var facts = Facts();
        string source = Includes + "int main(void) {\n"
            + string.Concat(facts.Select(f => $"    printf(\"%llu\\n\", (unsigned long long)({f.C}));\n")) + "    return 0;\n}\n";
        string program = Path.Combine(_dir, "abi");
        var (compiled, compileOutput) = Run(HostCompiler(), $"-std=gnu11 -Wall -Werror -o {program} {Write("abi.c", source)}");
        Assert.True(compiled, $"the C program did not compile:\n{compileOutput}");
        var (ran, output) = Run(program, "");
        Assert.True(ran, output);

        var printed = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(ulong.Parse).ToArray();
        Assert.Equal(facts.Count, printed.Length);
        var wrong = facts.Zip(printed).Where(p => p.First.CSharp != p.Second).Select(p => $"{p.First.C}: C says {p.Second}, C# has {p.First.CSharp}");
        Assert.Empty(wrong);
    }

    [Fact]
    public void Arm64CrossCompiler_AcceptsEveryValueAsAStaticAssertion()
    {
        const string cross = "aarch64-linux-gnu-gcc";
        Assert.True(OnPath(cross), $"{cross} is not installed (scripts/setup --test installs gcc-aarch64-linux-gnu and libc6-dev-arm64-cross)");
        string source = Includes + string.Concat(Facts().Select(f =>
            $"_Static_assert(({f.C}) == {f.CSharp}ull, \"arm64: {f.C} is not {f.CSharp}\");\n"));
        var (compiled, output) = Run(cross, $"-std=gnu11 -fsyntax-only {Write("abi-arm64.c", source)}");
        Assert.True(compiled, $"the arm64 layouts differ from the C# ones:\n{output}");
    }

    [Fact]
    public void StaticAssertion_OfAWrongValue_FailsToCompile()
    {
        // the arm64 check is only worth something if a wrong value stops the compiler
        string source = Includes + "_Static_assert(sizeof(struct v4l2_buffer) == 80ull, \"v4l2_buffer is not 80\");\n";
        var (compiled, output) = Run(HostCompiler(), $"-std=gnu11 -fsyntax-only {Write("wrong.c", source)}");
        Assert.False(compiled);
        Assert.Contains("v4l2_buffer is not 80", output);
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static string HostCompiler() =>
        new[] { "cc", "gcc" }.FirstOrDefault(OnPath) ?? throw new InvalidOperationException("no C compiler (cc or gcc) on PATH: scripts/setup --test installs gcc and linux-libc-dev");

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, tool)));

    private static (bool Ok, string Output) Run(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException($"cannot start {file}");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode == 0, stdout + stderr.Result);
    }
}
