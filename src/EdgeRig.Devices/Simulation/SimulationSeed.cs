namespace EdgeRig.Devices.Simulation;

/// <summary>Seeds derived from a device id that are the same in every process (string.GetHashCode is randomised per process).</summary>
internal static class SimulationSeed
{
    /// <summary>FNV-1a of the id's characters, mixed with <paramref name="salt"/>.</summary>
    public static int For(string id, int salt)
    {
        uint h = 2166136261 ^ (uint)salt;
        foreach (char c in id) h = (h ^ c) * 16777619;
        return (int)(h & 0x7fffffff);
    }
}
