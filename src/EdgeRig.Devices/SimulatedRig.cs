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
                    _ => throw new RigProfileException(rig.Name, $"devices[{i}].kind", $"unknown kind '{d.Kind}'"),
                });
                continue;
            }
            CheckDriver(rig, i);
            sensors.Add(d.Driver switch
            {
                "v4l2" => new V4l2Camera(d, clock),
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

    private static void CheckDriver(RigProfile rig, int i)
    {
        var d = rig.Devices[i];
        if (!RigProfile.RealDrivers.TryGetValue(d.Kind, out var drivers) || !drivers.Contains(d.Driver))
        {
            string choices = string.Join(", ", (d.Kind is "gpio-output" or "pps" ? [] : new[] { "sim" }).Concat(drivers ?? []).Select(x => $"\"{x}\""));
            throw new RigProfileException(rig.Name, $"devices[{i}].driver", $"driver '{d.Driver}' is not available for a {d.Kind} (use {choices})");
        }
        RigProfile.ValidateDriver(d, i, rig.Name);
    }
}
