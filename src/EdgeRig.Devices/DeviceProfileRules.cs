using EdgeRig.Core;
using EdgeRig.Devices.Camera;

namespace EdgeRig.Devices;

/// <summary>
/// What each kind of device and each driver needs from its rig-file entry: the drivers a kind may name, the fields of each
/// kind (size, rates, channels) and of each real driver (path, bus, address, line, baud, fourcc), and a camera's field of
/// view. Core reads the rig file's generic shape; the devices' own rules live here, beside the drivers.
/// </summary>
public static class DeviceProfileRules
{
    /// <summary>Drivers each kind may name besides "sim" (pps has no simulated twin).</summary>
    public static readonly IReadOnlyDictionary<string, string[]> RealDrivers = new Dictionary<string, string[]>
    {
        ["camera"] = ["v4l2", "opencv"], // our V4L2 layer (kernel timestamps); OpenCV VideoCapture for files and non-V4L2 sources
        ["microphone"] = ["portaudio"],
        ["imu"] = ["mpu6050", "mpu9250", "bno055", "lsm9ds1"],
        ["lidar"] = ["ld06", "ld19", "rplidar"],
        ["gpio-button"] = ["gpiochip"],
        ["gpio-output"] = ["gpiochip"],
        ["pps"] = ["gpiochip"],
    };

    private static readonly string[] OutputRoles = ["trigger", "strobe", "status-led"];

    /// <summary>Checks every device of a rig against its kind and its driver.</summary>
    /// <exception cref="RigProfileException">a field is missing or out of range; the message names it.</exception>
    public static void Validate(RigProfile rig, string file)
    {
        for (int i = 0; i < rig.Devices.Count; i++)
        {
            ValidateDriver(rig.Devices[i], i, file);
            ValidateKind(rig.Devices[i], i, file);
        }
    }

    /// <summary>The horizontal field of view of a camera: the rig file's horizontalFovDeg, else the simulated camera's for
    /// driver "sim"; null for a real camera whose rig-file entry does not give it.</summary>
    public static double? HorizontalFieldOfViewRad(DeviceProfile d) =>
        d.HorizontalFovDeg is { } degrees ? degrees * Math.PI / 180 : d.Driver == "sim" ? SimulatedCamera.HorizontalFieldOfViewRad : null;

    /// <summary>Every camera's horizontal field of view that is known, by device id (what the motion method scales by).</summary>
    public static IReadOnlyDictionary<string, double> CameraFieldsOfViewRad(RigProfile rig) =>
        rig.Devices.Where(d => d.Kind == "camera" && HorizontalFieldOfViewRad(d) is not null)
            .ToDictionary(d => d.Id, d => HorizontalFieldOfViewRad(d)!.Value);

    /// <summary>Checks the fields a device's driver needs (path, bus, address, line, baud, fourcc).</summary>
    /// <exception cref="RigProfileException">a field is missing or out of range; the message names it.</exception>
    public static void ValidateDriver(DeviceProfile d, int index, string file)
    {
        string at = $"devices[{index}]";
        void fail(string field, string problem) => throw new RigProfileException(file, field, problem);
        if (d.Driver == "sim")
        {
            if (d.Kind is "pps") fail($"{at}.driver", $"a {d.Kind} has no simulated twin; use \"gpiochip\"");
            return;
        }
        if (!RealDrivers.TryGetValue(d.Kind, out var drivers) || !drivers.Contains(d.Driver))
        {
            string choices = string.Join(", ", (d.Kind is "pps" ? [] : new[] { "sim" }).Concat(drivers ?? []).Select(x => $"\"{x}\""));
            fail($"{at}.driver", $"driver '{TerminalText.Escape(d.Driver)}' is not available for a {TerminalText.Escape(d.Kind)} (use {choices})");
        }
        bool needsPath = d.Kind is "camera" or "lidar" or "gpio-button" or "gpio-output" or "pps";
        if (needsPath && string.IsNullOrWhiteSpace(d.Path))
            fail($"{at}.path", $"driver '{d.Driver}' needs the device path (e.g. {ExamplePath(d.Kind)})");
        if (d.Kind is "gpio-button" or "gpio-output" or "pps" && d.Line is < 0 or > 511) fail($"{at}.line", $"must be a GPIO line 0..511, was {d.Line}");
        if (d.Kind == "imu")
        {
            if (d.Bus is < 0 or > 255) fail($"{at}.bus", $"must be an I2C bus number 0..255, was {d.Bus}");
            if (d.Address != 0 && d.Address is < 0x03 or > 0x77) fail($"{at}.address", $"must be a 7-bit I2C address 0x03..0x77, was 0x{d.Address:X2}");
            if (d.DataReadyLine is < 0 or > 511) fail($"{at}.dataReadyLine", $"must be a GPIO line 0..511, was {d.DataReadyLine}");
        }
        if (d.Kind == "lidar" && d.Baud != 0 && d.Baud is < 1200 or > 4_000_000) fail($"{at}.baud", $"must be 1200..4000000 (0 for the model's default), was {d.Baud}");
        if (d.Kind == "camera" && (d.Fourcc.Length != 4 || !d.Fourcc.All(char.IsAsciiLetterOrDigit))) fail($"{at}.fourcc", $"must be four letters or digits such as MJPG, was '{d.Fourcc}'");
        if (d.Kind == "camera" && d.Driver == "v4l2")
        {
            if (d.Fourcc is not ("MJPG" or "YUYV")) fail($"{at}.fourcc", $"driver 'v4l2' captures MJPG (passed through) or YUYV (encoded to JPEG), not '{TerminalText.Escape(d.Fourcc)}'");
            if (d.Fourcc == "YUYV" && (d.Width % 2 != 0 || d.Height % 2 != 0)) fail($"{at}.width", $"YUYV frames are encoded as 4:2:0 JPEG and need an even size, was {d.Width}x{d.Height}");
        }
    }

    /// <summary>Checks the fields of the device's kind (camera size and rate, microphone channels, ...).</summary>
    /// <exception cref="RigProfileException">a field is out of range; the message names it.</exception>
    public static void ValidateKind(DeviceProfile d, int index, string file)
    {
        string at = $"devices[{index}]";
        void Fail(string field, string problem) => throw new RigProfileException(file, field, problem);
        if (d.HorizontalFovDeg is not null && d.Kind != "camera") Fail($"{at}.horizontalFovDeg", $"only a camera has a field of view; '{d.Id}' is a {d.Kind}");
        if (d.Intrinsics is not null && d.Kind != "camera") Fail($"{at}.intrinsics", $"only a camera has a lens model; '{d.Id}' is a {d.Kind}");
        switch (d.Kind)
        {
            case "camera":
                if (d.Width is < 16 or > 8192) Fail($"{at}.width", $"must be 16..8192, was {d.Width}");
                if (d.Height is < 16 or > 8192) Fail($"{at}.height", $"must be 16..8192, was {d.Height}");
                if (d.RateHz is <= 0 or > 240) Fail($"{at}.rateHz", $"must be in (0, 240], was {d.RateHz}");
                if (d.JpegQuality is < 1 or > 100) Fail($"{at}.jpegQuality", $"must be 1..100, was {d.JpegQuality}");
                if (d.HorizontalFovDeg is <= 0 or >= 180) Fail($"{at}.horizontalFovDeg", $"must be in (0, 180) degrees, was {d.HorizontalFovDeg}");
                if (d.Driver == "sim" && d.HorizontalFovDeg is { } fov && Math.Abs(fov * Math.PI / 180 - SimulatedCamera.HorizontalFieldOfViewRad) > 1e-9)
                    Fail($"{at}.horizontalFovDeg", $"the simulated camera sees 60 degrees; leave horizontalFovDeg out or set 60, was {fov}");
                if (d.Intrinsics is { } k) ValidateIntrinsics(k, d, $"{at}.intrinsics", Fail);
                break;
            case "microphone":
                if (d.RateHz is < 8000 or > 192000) Fail($"{at}.rateHz", $"must be a sample rate 8000..192000, was {d.RateHz}");
                if (d.Channels is < 1 or > 32) Fail($"{at}.channels", $"must be 1..32, was {d.Channels}");
                if (d.BlockFrames is < 16 or > 96000) Fail($"{at}.blockFrames", $"must be 16..96000, was {d.BlockFrames}");
                break;
            case "lidar":
                if (d.RateHz is <= 0 or > 50) Fail($"{at}.rateHz", $"must be in (0, 50], was {d.RateHz}");
                if (d.PointsPerScan is < 1 or > 100000) Fail($"{at}.pointsPerScan", $"must be 1..100000, was {d.PointsPerScan}");
                break;
            case "imu":
                if (d.RateHz is <= 0 or > 8000) Fail($"{at}.rateHz", $"must be in (0, 8000], was {d.RateHz}");
                if (d.FifoBurst is < 1 or > 1024) Fail($"{at}.fifoBurst", $"must be 1..1024, was {d.FifoBurst}");
                break;
            case "gpio-button":
                if (d.MeanIntervalSeconds <= 0) Fail($"{at}.meanIntervalSeconds", $"must be > 0, was {d.MeanIntervalSeconds}");
                break;
            case "gpio-output":
                if (!OutputRoles.Contains(d.Role)) Fail($"{at}.role", $"'{d.Role}' is not one of {string.Join(", ", OutputRoles)}");
                if (d.PulseMs is <= 0 or > 1000) Fail($"{at}.pulseMs", $"must be in (0, 1000], was {d.PulseMs}");
                if (d.Role != "status-led" && (d.RateHz is < 0 or > 1000)) Fail($"{at}.rateHz", $"must be in [0, 1000] (0: only on demand), was {d.RateHz}");
                break;
        }
    }

    private static void ValidateIntrinsics(CameraIntrinsics k, DeviceProfile d, string at, Action<string, string> fail)
    {
        if (!(k.Fx >= 1) || k.Fx > 100_000) fail($"{at}.fx", $"must be a focal length in [1, 100000] px, was {k.Fx}");
        if (!(k.Fy >= 1) || k.Fy > 100_000) fail($"{at}.fy", $"must be a focal length in [1, 100000] px, was {k.Fy}");
        if (!(k.Cx >= 0) || k.Cx > d.Width) fail($"{at}.cx", $"must be inside the image, [0, {d.Width}] px, was {k.Cx}");
        if (!(k.Cy >= 0) || k.Cy > d.Height) fail($"{at}.cy", $"must be inside the image, [0, {d.Height}] px, was {k.Cy}");
        foreach (var (name, value) in new[] { ("k1", k.K1), ("k2", k.K2), ("p1", k.P1), ("p2", k.P2), ("k3", k.K3) })
            if (!(Math.Abs(value) <= 10)) fail($"{at}.{name}", $"must be within ±10, was {value}");
        // a simulated camera draws each pixel by inverting the distortion; it must invert over the whole image
        if (d.Driver == "sim")
            foreach (var (u, v) in new[] { (0.0, 0.0), (d.Width - 1.0, 0.0), (0.0, d.Height - 1.0), (d.Width - 1.0, d.Height - 1.0) })
                if (k.Undistort(u, v) is null) fail(at, $"the distortion does not invert at image corner ({u}, {v}); it folds over inside the image");
    }

    private static string ExamplePath(string kind) => kind switch
    {
        "camera" => "/dev/video0",
        "lidar" => "/dev/ttyAMA0",
        _ => "/dev/gpiochip0",
    };
}
