using EdgeRig.Core;
using EdgeRig.Privacy;

namespace EdgeRig.Service.Native;

/// <summary>
/// The rig's face detector, made once at start-up when the privacy section needs one. Without OpenCV the rig still starts
/// (pulls and exports that must redact then fail with FAILED_PRECONDITION naming the library), except when the rig file asks
/// for redaction at capture: recording raw faces silently is worse than not starting, so that refuses start-up in one line.
/// </summary>
public sealed class FaceDetection
{
    private FaceDetection(FaceRedactor? redactor, FeatureState state)
    {
        Redactor = redactor;
        State = state;
    }

    public const string Feature = "face redaction";

    /// <summary>The detector, or null when the rig needs none or it is unavailable (see <see cref="State"/>).</summary>
    public FaceRedactor? Redactor { get; }

    public FeatureState State { get; }

    /// <exception cref="RigProfileException">the cascade file is missing or unreadable (names privacy.faceCascade), or
    /// redaction at capture is asked for and OpenCV is not available (names privacy.redaction).</exception>
    public static FaceDetection For(RigProfile rig, bool needed, bool atCapture = false)
    {
        if (!needed) return new(null, new(Feature, true, "not used by this rig's privacy section"));
        try
        {
            // at capture the tracker bridges a missed detection, so the detector can be stricter and cheaper: a 5/8 grey
            // decode (faces from ~38 px) and five neighbours (fewer false alarms on texture); measured on the moving-face clip
            var options = new RedactionOptions { CascadePath = rig.Privacy.FaceCascade };
            if (atCapture) options = options with { DetectScale = 0.625, MinNeighbors = 5 };
            var redactor = new FaceRedactor(options);
            return new(redactor, new(Feature, true, $"Haar cascade {rig.Privacy.FaceCascade}"));
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException or IOException)
        {
            throw new RigProfileException(rig.Name, "privacy.faceCascade", e.Message);
        }
        catch (Exception e) when (NativeLibraries.UnavailableReason(e) is { } missing)
        {
            if (rig.Privacy.Redaction == RedactionPolicy.Capture)
                throw new RigProfileException(rig.Name, "privacy.redaction", $"\"capture\" needs face detection, which is {missing}");
            return new(null, new(Feature, false, missing));
        }
    }
}
