using EdgeRig.Calibration.Profiles;
using EdgeRig.Core;
using EdgeRig.Recording;
using EdgeRig.Timing.Ptp;

namespace EdgeRig.Service;

/// <summary>Refuses a session while PTP is not locked, when the rig file sets ptp.requireLockToRecord; otherwise lets every start through.</summary>
public sealed class PtpRecordingGate(RigProfile rig, PtpMonitor ptp) : IRecordingStartGate
{
    public string? RefusalReason() =>
        !rig.Ptp.RequireLockToRecord || ptp.Status.Locked ? null
            : $"PTP is not locked ({ptp.Status.Summary}) and the rig file sets ptp.requireLockToRecord";
}

/// <summary>The rig's active calibration profile (its latest saved one), which new sessions record as theirs.</summary>
public sealed class ActiveCalibrationProfile(RigProfile rig, ICalibrationProfileStore profiles) : IActiveCalibration
{
    public string? ProfileReference() => Grpc.CalibrationGrpcService.Active(profiles, rig.Name);
}
