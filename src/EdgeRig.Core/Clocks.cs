namespace EdgeRig.Core;

/// <summary>The host's monotonic clock (CLOCK_MONOTONIC).</summary>
public interface IHostClock
{
    HostTime Now { get; }
}

/// <summary>
/// The rig timeline: the PTP-disciplined clock, and the mapping of host monotonic instants onto it.
/// The real one reads clock_gettime; tests use a fake they advance by hand.
/// </summary>
public interface IRigClock : IHostClock
{
    RigTime RigNow { get; }

    /// <summary>Maps a host monotonic instant onto the rig timeline with the bound of that mapping.</summary>
    RigTimestamp ToRig(HostTime host);
}
