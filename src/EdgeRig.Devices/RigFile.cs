using EdgeRig.Core;

namespace EdgeRig.Devices;

/// <summary>A rig file read and checked in full: Core's generic shape (<see cref="RigProfile.Load"/>), then every device
/// against its kind and driver (<see cref="DeviceProfileRules"/>). What the service and the tools load a rig with.</summary>
public static class RigFile
{
    /// <exception cref="RigProfileException">the file is missing, is not valid JSON, or a field is wrong.</exception>
    public static RigProfile Load(string path) => Checked(RigProfile.Load(path), path);

    /// <exception cref="RigProfileException">the text is not valid JSON or a field is wrong.</exception>
    public static RigProfile Parse(string json, string file) => Checked(RigProfile.Parse(json, file), file);

    private static RigProfile Checked(RigProfile rig, string file)
    {
        DeviceProfileRules.Validate(rig, file);
        return rig;
    }
}
