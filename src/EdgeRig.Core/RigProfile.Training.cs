namespace EdgeRig.Core;

/// <summary>The rig file's training-data readiness sections: QA gates ("qa") and privacy ("privacy").</summary>
public sealed partial record RigProfile
{
    public QaProfile Qa { get; init; } = new();
    public PrivacyProfile Privacy { get; init; } = new();

    private void ValidateTraining(string file)
    {
        Qa.Validate(file);
        Privacy.Validate(file);
    }
}

/// <summary>When face redaction happens (rig file "privacy.redaction").</summary>
public enum RedactionPolicy
{
    /// <summary>No redaction (a rig that never sees people).</summary>
    Off,
    /// <summary>Faces are blurred before frames are stored: raw frames never reach the disk.</summary>
    Capture,
    /// <summary>Raw frames are stored (encrypted); faces are blurred whenever frames leave the rig for a role without raw access.</summary>
    Export,
}

/// <summary>Privacy settings of a rig (rig file section "privacy").</summary>
public sealed record PrivacyProfile
{
    public RedactionPolicy Redaction { get; init; } = RedactionPolicy.Off;

    /// <summary>Haar cascade file for face detection.</summary>
    public string FaceCascade { get; init; } = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml";

    /// <summary>Roles that may take raw (unredacted) frames off the rig.</summary>
    public IReadOnlyList<string> RawAccessRoles { get; init; } = ["admin"];

    /// <summary>Encrypt chunk data at rest (AES-256-GCM).</summary>
    public bool EncryptAtRest { get; init; }

    /// <summary>Key file (mode 0600); empty: the systemd credential "edgerig-data-key", else DATA/keys/.</summary>
    public string KeyFile { get; init; } = "";

    /// <summary>Modalities that need a valid consent record to leave the rig unredacted: "video", "audio".</summary>
    public IReadOnlyList<string> ConsentRequiredFor { get; init; } = [];

    internal void Validate(string file)
    {
        foreach (var role in RawAccessRoles)
            if (role is not ("technician" or "data" or "lab" or "admin"))
                throw new RigProfileException(file, "privacy.rawAccessRoles", $"'{role}' is not a role (technician, data, lab, admin)");
        foreach (var scope in ConsentRequiredFor)
            if (scope is not ("video" or "audio"))
                throw new RigProfileException(file, "privacy.consentRequiredFor", $"'{scope}' is not a consent scope (video, audio)");
        if (Redaction != RedactionPolicy.Off && string.IsNullOrWhiteSpace(FaceCascade))
            throw new RigProfileException(file, "privacy.faceCascade", "is required when privacy.redaction is not \"off\"");
    }
}
