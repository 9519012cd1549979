using EdgeRig.Core;

namespace EdgeRig.Service.Security;

/// <summary>
/// Which roles may call which RPC, and which calls go to the audit trail. Technician: status, record, mark, and consent
/// records as pending; data: list, pull, export; lab: calibration and confirming consent plus data; admin: everything.
/// Unknown methods are admin-only.
/// </summary>
public static class RolePolicy
{
    private static readonly Role[] Anyone = [Role.Technician, Role.Data, Role.Lab, Role.Admin];
    private static readonly Role[] Technicians = [Role.Technician, Role.Admin];
    private static readonly Role[] DataReaders = [Role.Data, Role.Lab, Role.Admin];
    private static readonly Role[] Admins = [Role.Admin];
    private static readonly Role[] LabStaff = [Role.Lab, Role.Admin];
    private static readonly Role[] ConsentRecorders = [Role.Technician, Role.Lab, Role.Admin];

    /// <summary>Methods answered without a token.</summary>
    public static bool IsAnonymous(string method) => method.StartsWith("/grpc.health.v1.Health/", StringComparison.Ordinal);

    private static readonly Dictionary<string, (Role[] Roles, string? Audit)> Methods = new()
    {
        ["/edgerig.v1.Rig/GetStatus"] = (Anyone, null),
        ["/edgerig.v1.Rig/StartRecording"] = (Technicians, "record.start"),
        ["/edgerig.v1.Rig/StopRecording"] = (Technicians, "record.stop"),
        ["/edgerig.v1.Rig/AddMarker"] = (Technicians, "mark"),
        ["/edgerig.v1.Rig/Arm"] = (Technicians, "record.arm"),
        ["/edgerig.v1.Rig/Disarm"] = (Technicians, "record.disarm"),
        ["/edgerig.v1.Rig/Trigger"] = (Technicians, "record.trigger"),
        ["/edgerig.v1.Rig/ListDevices"] = (Anyone, null),
        ["/edgerig.v1.Sessions/ListSessions"] = (Anyone, null),
        ["/edgerig.v1.Sessions/GetSession"] = (Anyone, null),
        ["/edgerig.v1.Sessions/PullSession"] = (DataReaders, "pull"),
        ["/edgerig.v1.Sessions/ConfirmPull"] = (DataReaders, "pull.confirm"),
        ["/edgerig.v1.Sessions/ExportSession"] = (DataReaders, "export"),
        ["/edgerig.v1.Sessions/DeleteSession"] = (Admins, "delete"),
        ["/edgerig.v1.Sessions/GetQaReport"] = (Anyone, null),
        ["/edgerig.v1.Privacy/AddConsent"] = (ConsentRecorders, "consent.add"), // pending: releases nothing until confirmed
        ["/edgerig.v1.Privacy/AttachConsent"] = (ConsentRecorders, "consent.attach"), // the new session is pending until confirmed
        ["/edgerig.v1.Privacy/ConfirmConsent"] = (LabStaff, "consent.confirm"),
        ["/edgerig.v1.Privacy/ListConsents"] = (Anyone, null),
        ["/edgerig.v1.Privacy/WithdrawConsent"] = (Admins, "consent.withdraw"),
        ["/edgerig.v1.Privacy/RotateKey"] = (Admins, "key.rotate"),
        ["/edgerig.v1.Calibration/RunStimulus"] = (LabStaff, "calibrate"),
        ["/edgerig.v1.Calibration/RunMotion"] = (LabStaff, "calibrate"),
        ["/edgerig.v1.Calibration/RunSpatial"] = (LabStaff, "calibrate"),
        ["/edgerig.v1.Calibration/ListProfiles"] = (LabStaff, null),
        ["/edgerig.v1.Calibration/GetProfile"] = (LabStaff, null),
        ["/edgerig.v1.Calibration/ApplyProfile"] = (LabStaff, "calibration.apply"),
        ["/edgerig.v1.Admin/WhoAmI"] = (Anyone, null),
        ["/edgerig.v1.Admin/CreateToken"] = (Admins, "token.create"),
        ["/edgerig.v1.Admin/RevokeToken"] = (Admins, "token.revoke"),
        ["/edgerig.v1.Admin/ListTokens"] = (Admins, null),
        ["/edgerig.v1.Admin/ListAudit"] = (Admins, null),
        ["/edgerig.v1.Admin/RepairSession"] = (Admins, "session.repair"),
        ["/edgerig.v1.Upload/GetUploadStatus"] = (Anyone, null),
        ["/edgerig.v1.Upload/RetryUpload"] = (DataReaders, "upload.retry"),
        ["/edgerig.v1.Upload/ReleaseUpload"] = (Admins, "upload.release"),
        ["/edgerig.v1.Upload/PauseUploads"] = (Anyone, "upload.pause"),
        ["/edgerig.v1.Upload/ResumeUploads"] = (Anyone, "upload.resume"),
        ["/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"] = (Anyone, null),
        ["/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"] = (Anyone, null),
    };

    public static IReadOnlyList<Role> RolesFor(string method) => Methods.TryGetValue(method, out var m) ? m.Roles : Admins;

    /// <summary>The audit action of a method, or null if calls to it are not audited.</summary>
    public static string? AuditActionFor(string method) => Methods.TryGetValue(method, out var m) ? m.Audit : null;

    public static string Describe(IReadOnlyList<Role> roles) => string.Join(" or ", roles.Select(r => r.ToString().ToLowerInvariant()));
}
