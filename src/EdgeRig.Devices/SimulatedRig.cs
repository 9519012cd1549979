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
    /// <summary>Real drivers available so far, by kind.</summary>
    private static readonly Dictionary<string, string[]> RealDrivers = new() { ["gpio-button"] = ["gpiochip"] };

    public static IReadOnlyList<ISensor> Create(RigProfile rig, SimulatedWorld world, IRigClock clock)
    {
        var sensors = new List<ISensor>();
        for (int i = 0; i < rig.Devices.Count; i++)
        {
            var d = rig.Devices[i];
            if (d.Driver != "sim")
            {
                if (!RealDrivers.TryGetValue(d.Kind, out var drivers) || !drivers.Contains(d.Driver))
                    throw new RigProfileException(rig.Name, $"devices[{i}].driver", $"driver '{d.Driver}' is not available for a {d.Kind} (use \"sim\"{(drivers is null ? "" : " or " + string.Join(", ", drivers.Select(x => $"\"{x}\"")))})");
                if (string.IsNullOrWhiteSpace(d.Path))
                    throw new RigProfileException(rig.Name, $"devices[{i}].path", $"driver '{d.Driver}' needs the device path, e.g. /dev/gpiochip0");
                sensors.Add(new GpioChipMarkerButton(d));
                continue;
            }
            sensors.Add(d.Kind switch
            {
                "camera" => new SimulatedCamera(d, world, clock),
                "microphone" => new SimulatedMicrophone(d, world, clock),
                "imu" => new SimulatedImu(d, world, clock),
                "lidar" => new SimulatedLidar(d, world, clock),
                "gpio-button" => new SimulatedMarkerButton(d, world, clock),
                _ => throw new RigProfileException(rig.Name, $"devices[{i}].kind", $"unknown kind '{d.Kind}'"),
            });
        }
        return sensors;
    }
}
