using EdgeRig.Core;
using EdgeRig.Devices.Audio;
using EdgeRig.Devices.Camera;
using EdgeRig.Devices.Gpio;
using EdgeRig.Devices.Imu;
using EdgeRig.Devices.Lidar;
using EdgeRig.Devices.Simulation;

namespace EdgeRig.Devices;

/// <summary>Builds the simulated twins of a rig profile around one shared world.</summary>
public static class SimulatedRig
{
    public static IReadOnlyList<ISensor> Create(RigProfile rig, SimulatedWorld world, IRigClock clock)
    {
        var sensors = new List<ISensor>();
        for (int i = 0; i < rig.Devices.Count; i++)
        {
            var d = rig.Devices[i];
            if (d.Driver != "sim")
                throw new RigProfileException(rig.Name, $"devices[{i}].driver", $"driver '{d.Driver}' is not available in the simulated rig (use \"sim\")");
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
