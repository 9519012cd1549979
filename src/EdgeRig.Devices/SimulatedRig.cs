using System.Device.Gpio;
using EdgeRig.Core;
using EdgeRig.Devices.Audio;
using EdgeRig.Devices.Camera;
using EdgeRig.Devices.Gpio;
using EdgeRig.Devices.Imu;
using EdgeRig.Devices.Lidar;
using EdgeRig.Devices.Simulation;

namespace EdgeRig.Devices;

/// <summary>Builds a rig's devices: simulated twins around one shared world, or real drivers where the rig file names one.</summary>
public static class SimulatedRig
{
    /// <summary>The rig's input devices (sensors); gpio-output devices are built by <see cref="CreateOutputs"/>.</summary>
    /// <exception cref="RigProfileException">a device names a driver that does not exist for its kind, or lacks a field its driver needs.</exception>
    public static IReadOnlyList<ISensor> Create(RigProfile rig, SimulatedWorld world, IRigClock clock)
    {
        var sensors = new List<ISensor>();
        for (int i = 0; i < rig.Devices.Count; i++)
        {
            var d = rig.Devices[i];
            if (d.Kind == "gpio-output") continue;
            if (d.Driver == "sim")
            {
                sensors.Add(d.Kind switch
                {
                    "camera" => new SimulatedCamera(d, world, clock),
                    "microphone" => new SimulatedMicrophone(d, world, clock),
                    "imu" => new SimulatedImu(d, world, clock),
                    "lidar" => new SimulatedLidar(d, world, clock),
                    "gpio-button" => new SimulatedMarkerButton(d, world, clock),
                    _ => throw new RigProfileException(SourceOf(rig), $"devices[{i}].kind", $"unknown kind '{d.Kind}'"),
                });
                continue;
            }
            CheckDriver(rig, i);
            sensors.Add(d.Driver switch
            {
                "v4l2" => new V4l2Camera(d, clock),
                "opencv" => new OpenCvCamera(d, clock),
                "portaudio" => new PortAudioMicrophone(d, clock),
                "mpu6050" or "mpu9250" => new Mpu6050Imu(d, clock),
                "bno055" => new Bno055Imu(d, clock),
                "lsm9ds1" => new Lsm9ds1Imu(d, clock),
                "ld06" or "ld19" or "rplidar" => new SerialLidar(d, clock),
                _ => new GpioChipMarkerButton(d), // gpio-button and pps: kernel-stamped edges of a gpiochip line
            });
        }
        return sensors;
    }

    /// <summary>The rig's GPIO outputs (trigger, strobe, status LED) on the given controller (a libgpiod one on the board).</summary>
    public static IReadOnlyList<GpioOutput> CreateOutputs(RigProfile rig, GpioController controller, IHostClock clock)
    {
        var outputs = new List<GpioOutput>();
        for (int i = 0; i < rig.Devices.Count; i++)
        {
            if (rig.Devices[i].Kind != "gpio-output") continue;
            CheckDriver(rig, i);
            outputs.Add(new GpioOutput(rig.Devices[i], controller, clock));
        }
        return outputs;
    }

    /// <summary>
    /// Every gpio-output of the rig. Simulated ones ("sim") share a <see cref="SimulatedGpioDriver"/> wired to the world: a
    /// trigger output's active edge fires the world's stimulus, and pulses report the edge's kernel-style stamp. Real ones
    /// ("gpiochip") get a controller per chip from <paramref name="openChip"/> (default: libgpiod), opened only if the rig has any.
    /// </summary>
    /// <exception cref="RigProfileException">an output names a driver that does not exist.</exception>
    public static RigOutputs CreateOutputs(RigProfile rig, SimulatedWorld world, IRigClock clock, Func<string, GpioController>? openChip = null)
    {
        var result = new RigOutputs();
        try
        {
            var simulated = rig.Devices.Where(d => d.Kind == "gpio-output" && d.Driver == "sim").ToList();
            if (simulated.Count > 0)
            {
                var driver = new SimulatedGpioDriver(world, clock, simulated.Where(d => d.Role == "trigger")
                    .ToDictionary(d => d.Line, d => d.ActiveLow ? PinValue.Low : PinValue.High));
                var controller = result.Own(new GpioController(driver));
                foreach (var d in simulated) result.Add(new GpioOutput(d, controller, clock, driver));
            }
            var chips = new Dictionary<string, GpioController>();
            for (int i = 0; i < rig.Devices.Count; i++)
            {
                var d = rig.Devices[i];
                if (d.Kind != "gpio-output" || d.Driver == "sim") continue;
                CheckDriver(rig, i);
                if (!chips.TryGetValue(d.Path, out var controller))
                    chips[d.Path] = controller = result.Own((openChip ?? OpenLibgpiod)(d.Path));
                result.Add(new GpioOutput(d, controller, clock));
            }
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    private static GpioController OpenLibgpiod(string path)
    {
        string name = Path.GetFileName(path);
        if (!name.StartsWith("gpiochip", StringComparison.Ordinal) || !int.TryParse(name["gpiochip".Length..], out int chip))
            throw new IOException($"'{path}' is not a /dev/gpiochipN device");
        return new GpioController(new System.Device.Gpio.Drivers.LibGpiodDriver(chip));
    }

    /// <summary>Refuses a driver that does not exist for the device's kind (rig files are checked on load; this covers rigs built in code).</summary>
    private static void CheckDriver(RigProfile rig, int i) => DeviceProfileRules.ValidateDriver(rig.Devices[i], i, SourceOf(rig));

    /// <summary>What messages name a rig by: its file, or its name for a rig built in code.</summary>
    private static string SourceOf(RigProfile rig) => rig.File.Length > 0 ? rig.File : rig.Name;
}

/// <summary>A rig's GPIO outputs with the controllers they drive; disposing leaves every output inactive and closes the controllers.</summary>
public sealed class RigOutputs : IDisposable
{
    private readonly List<GpioOutput> _outputs = [];
    private readonly List<GpioController> _controllers = [];

    public IReadOnlyList<GpioOutput> Outputs => _outputs;

    /// <summary>The trigger output named <paramref name="id"/>, or (empty id) the rig's first output with role "trigger".</summary>
    public GpioOutput? Trigger(string id = "") =>
        _outputs.FirstOrDefault(o => o.Profile.Role == "trigger" && (id.Length == 0 || o.Profile.Id == id));

    internal void Add(GpioOutput output) => _outputs.Add(output);

    internal GpioController Own(GpioController controller)
    {
        _controllers.Add(controller);
        return controller;
    }

    public void Dispose()
    {
        foreach (var o in _outputs) o.Dispose();
        foreach (var c in _controllers) c.Dispose();
        _outputs.Clear();
        _controllers.Clear();
    }
}
