namespace EdgeRig.Timing.Ptp;

/// <summary>One poll of linuxptp's management interface (TIME_STATUS_NP, PORT_DATA_SET, CURRENT_DATA_SET).</summary>
public sealed record PtpSnapshot(
    string PortState,
    long MasterOffsetNs,
    double MeanPathDelayNs,
    bool GrandmasterPresent,
    string GrandmasterIdentity,
    int StepsRemoved);

/// <summary>What the rig knows about PTP right now: available or why not, the last snapshot, and the lock verdict.</summary>
public sealed record PtpStatus(
    bool Available,
    string Error,
    PtpSnapshot? Snapshot,
    bool Locked,
    DateTimeOffset? LockedSince,
    DateTimeOffset PolledAt)
{
    public static PtpStatus Disabled { get; } = new(false, "PTP monitoring is disabled in the rig file", null, false, null, DateTimeOffset.MinValue);

    public string Summary => !Available ? $"PTP unavailable: {Error}"
        : Locked ? $"locked, offset {Snapshot!.MasterOffsetNs} ns, path delay {Snapshot.MeanPathDelayNs:0} ns"
        : $"not locked: {Snapshot?.PortState ?? "no data"}, offset {Snapshot?.MasterOffsetNs ?? 0} ns";
}
