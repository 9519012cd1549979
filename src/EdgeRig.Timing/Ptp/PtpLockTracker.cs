namespace EdgeRig.Timing.Ptp;

/// <summary>
/// The lock verdict: locked once the port has been SLAVE with |offset| under the threshold for N polls in a
/// row; unlocked at the first poll that is not (or when ptp4l stops answering).
/// </summary>
public sealed class PtpLockTracker(long offsetThresholdNs, int pollsToLock)
{
    private int _goodInARow;

    public bool Locked { get; private set; }
    public DateTimeOffset? LockedSince { get; private set; }

    public bool Observe(PtpSnapshot? snapshot, DateTimeOffset at)
    {
        bool good = snapshot is { PortState: "SLAVE", GrandmasterPresent: true } && Math.Abs(snapshot.MasterOffsetNs) <= offsetThresholdNs;
        _goodInARow = good ? _goodInARow + 1 : 0;
        bool locked = _goodInARow >= pollsToLock;
        if (locked && !Locked) LockedSince = at;
        if (!locked) LockedSince = null;
        Locked = locked;
        return Locked;
    }
}
