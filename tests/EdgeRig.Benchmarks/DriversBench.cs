using System.Diagnostics;
using System.Runtime.InteropServices;
using EdgeRig.Core;
using EdgeRig.Devices.Camera;
using EdgeRig.Devices.Lidar;
using EdgeRig.Timing;
using Microsoft.Win32.SafeHandles;
using OpenCvSharp;

namespace EdgeRig.Benchmarks;

/// <summary>
/// CPU seconds per second of capture of the file- and pty-backed drivers, each against a baseline in the same run:
/// the LD06 driver reading a pseudo-terminal fed at 10 revolutions/s vs the same feed drained by a plain read loop;
/// the camera passing a 1280×720 30 fps MJPEG AVI through vs decoding and re-encoding every frame (what the board
/// would do without passthrough).
/// </summary>
public static partial class DriversBench
{
    private sealed class CountingSink(Action<Sample>? onSample = null) : ISampleSink
    {
        public long Count;
        public void Publish(Sample sample) { Interlocked.Increment(ref Count); onSample?.Invoke(sample); }
    }

    public static async Task RunAsync(double seconds, BenchResults results)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"edgerig-bench-drivers-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            double drain = await LidarCpu(dir, seconds, useDriver: false);
            double ld06 = await LidarCpu(dir, seconds, useDriver: true);
            results.Add("drivers", "ld06-pty-cpu-s/s-vs-drain", ld06, "cpu-s/s", drain);
            string avi = WriteClip(Path.Combine(dir, "clip.avi"), 90);
            double decode = await CameraCpu(avi, seconds, reencode: true);
            double pass = await CameraCpu(avi, seconds, reencode: false);
            results.Add("drivers", "camera-passthrough-cpu-s/s-vs-reencode", pass, "cpu-s/s", decode);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static double CpuSeconds() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    private static async Task<double> CameraCpu(string avi, double seconds, bool reencode)
    {
        var profile = new DeviceProfile { Id = "cam0", Kind = "camera", Driver = "opencv", Path = avi, Width = 1280, Height = 720, RateHz = 30 };
        int[] quality = [(int)ImwriteFlags.JpegQuality, 80];
        var sink = new CountingSink(reencode ? s =>
        {
            using var m = Cv2.ImDecode(s.Payload.ToArray(), ImreadModes.Color);
            Cv2.ImEncode(".jpg", m, out _, quality);
        } : null);
        await using var camera = new OpenCvCamera(profile, new SystemRigClock()) { RetryInterval = TimeSpan.FromMilliseconds(1) };
        double cpu0 = CpuSeconds();
        var wall = Stopwatch.StartNew();
        await camera.StartAsync(sink, CancellationToken.None);
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        await camera.StopAsync();
        double perSecond = (CpuSeconds() - cpu0) / wall.Elapsed.TotalSeconds;
        Console.WriteLine($"drivers: camera {(reencode ? "decode+re-encode" : "passthrough")}: {sink.Count} frames in {wall.Elapsed.TotalSeconds:0.0} s, {perSecond:0.0000} cpu-s/s");
        return perSecond;
    }

    private static string WriteClip(string path, int frames)
    {
        using var writer = new VideoWriter(path, FourCC.MJPG, 30, new Size(1280, 720));
        using var frame = new Mat(720, 1280, MatType.CV_8UC3);
        var rng = new Random(1);
        for (int i = 0; i < frames; i++)
        {
            frame.SetTo(new Scalar(i * 2 % 255, 80, 160));
            for (int k = 0; k < 40; k++)
                Cv2.Circle(frame, new Point(rng.Next(1280), rng.Next(720)), rng.Next(10, 80), new Scalar(rng.Next(255), rng.Next(255), rng.Next(255)), -1);
            writer.Write(frame);
        }
        return path;
    }

    [LibraryImport("libc")] private static partial int posix_openpt(int flags);
    [LibraryImport("libc")] private static partial int grantpt(int fd);
    [LibraryImport("libc")] private static partial int unlockpt(int fd);
    [LibraryImport("libc")] private static unsafe partial int ptsname_r(int fd, byte* buffer, nuint length);

    private static unsafe (FileStream Master, string Slave) OpenPty()
    {
        int fd = posix_openpt(2 | 0x100);
        if (fd < 0 || grantpt(fd) != 0 || unlockpt(fd) != 0) throw new IOException("openpty failed");
        var name = new byte[128];
        fixed (byte* p = name) ptsname_r(fd, p, 128);
        return (new FileStream(new SafeFileHandle(fd, true), FileAccess.ReadWrite, 0), System.Text.Encoding.ASCII.GetString(name, 0, Array.IndexOf(name, (byte)0)));
    }

    /// <summary>Feeds an LD06 byte stream at 3600°/s (10 rev/s, 4500 points/s) into a pty and captures it.</summary>
    private static async Task<double> LidarCpu(string dir, double seconds, bool useDriver)
    {
        var (master, slave) = OpenPty();
        using var masterLifetime = master;
        var sink = new CountingSink();
        var profile = new DeviceProfile { Id = "lidar0", Kind = "lidar", Driver = "ld06", Path = slave, RateHz = 10, PointsPerScan = 450 };
        await using var lidar = new SerialLidar(profile, new SystemRigClock(), _ => { });
        using var stop = new CancellationTokenSource();
        Task drain = Task.CompletedTask;
        if (useDriver) await lidar.StartAsync(sink, CancellationToken.None);
        else
        {
            var port = new System.IO.Ports.SerialPort(slave, 230400) { ReadTimeout = 500 };
            port.Open();
            drain = Task.Factory.StartNew(() =>
            {
                var buffer = new byte[2048];
                using (port)
                    while (!stop.IsCancellationRequested)
                        try { _ = port.BaseStream.Read(buffer.AsSpan()); } catch (TimeoutException) { }
            }, TaskCreationOptions.LongRunning);
        }
        double cpu0 = CpuSeconds();
        var wall = Stopwatch.StartNew();
        int angle = 0, packet = 0;
        while (wall.Elapsed.TotalSeconds < seconds)
        {
            var bytes = new List<byte>();
            for (int k = 0; k < 4; k++, packet++) // 4 packets ≈ 10.7 ms of rotation
            {
                var d = new ushort[12];
                var intensity = new byte[12];
                for (int i = 0; i < 12; i++) { d[i] = (ushort)(1000 + (angle + 80 * i) % 36000 / 10); intensity[i] = 200; }
                bytes.AddRange(new Ld06Packet(3600, (ushort)angle, (ushort)((angle + 880) % 36000), (ushort)(packet * 8 / 3 % 30000), d, intensity).Encode());
                angle = (angle + 960) % 36000;
            }
            master.Write(bytes.ToArray());
            var due = TimeSpan.FromSeconds(packet * (960 / 360000.0));
            if (due > wall.Elapsed) await Task.Delay(due - wall.Elapsed);
        }
        double perSecond = (CpuSeconds() - cpu0) / wall.Elapsed.TotalSeconds;
        stop.Cancel();
        if (useDriver) await lidar.StopAsync();
        await drain;
        Console.WriteLine($"drivers: ld06 {(useDriver ? "driver" : "plain drain")}: {sink.Count} revolutions in {wall.Elapsed.TotalSeconds:0.0} s, {perSecond:0.0000} cpu-s/s");
        return perSecond;
    }
}
