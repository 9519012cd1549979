namespace EdgeRig.Service;

/// <summary>Service settings (section "EdgeRig"; also --data-dir and --rig on the command line).</summary>
public sealed class EdgeRigOptions
{
    public const string Section = "EdgeRig";

    /// <summary>Where the catalogue and session files live.</summary>
    public string DataDir { get; set; } = "var";

    /// <summary>The rig file to run.</summary>
    public string Rig { get; set; } = "hardware/rigs/sim-default.json";
}
