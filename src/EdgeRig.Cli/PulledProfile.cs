using EdgeRig.Api.V1;
using EdgeRig.Calibration.Profiles;
using Grpc.Core;
using Grpc.Net.Client;

namespace EdgeRig.Cli;

/// <summary>
/// The calibration profile a pulled folder carries, DIR/ID/calibration.json: the profile the rig reads the session with (its
/// recorded or applied one: time offsets and any spatial section), so `export --from-folder` applies what the rig's own
/// export would. Written after a pull; absent when the session has no profile or the caller may not read profiles.
/// </summary>
internal static class PulledProfile
{
    public const string FileName = "calibration.json";

    /// <summary>Writes (or removes) the folder's profile; returns what it did, for the pull's report.</summary>
    public static async Task<string> WriteAsync(GrpcChannel channel, string sessionId, string folder, CancellationToken ct)
    {
        string path = Path.Combine(folder, FileName);
        var session = await new Sessions.SessionsClient(channel).GetSessionAsync(new GetSessionRequest { SessionId = sessionId }, cancellationToken: ct);
        if (session.Calibration.Length == 0 || session.Calibration == "none")
        {
            File.Delete(path);
            return "the session is read without a calibration profile";
        }
        if (!ProfileReference.TryParse(session.Calibration, out var reference, out _)) return $"the session's profile '{session.Calibration}' is not a NAME@VERSION";
        string json;
        try
        {
            json = await FetchJsonAsync(channel, reference, ct);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.PermissionDenied or StatusCode.NotFound)
        {
            File.Delete(path);
            return $"profile {session.Calibration} not written: {e.Status.Detail}";
        }
        string part = path + ".part";
        await File.WriteAllTextAsync(part, json, ct);
        File.Move(part, path, overwrite: true);
        return $"profile {session.Calibration} written to {FileName}";
    }

    /// <summary>A profile version's file (JSON) as the rig holds it; version 0 or none is the latest.</summary>
    public static async Task<string> FetchJsonAsync(GrpcChannel channel, ProfileReference reference, CancellationToken ct) =>
        (await new Api.V1.Calibration.CalibrationClient(channel).GetProfileAsync(
            new GetProfileRequest { Name = reference.Name, Version = reference.Version ?? 0 }, cancellationToken: ct)).Profile.Json;

    /// <summary>The folder's profile, or null when it carries none.</summary>
    /// <exception cref="FormatException">the file is not a calibration profile.</exception>
    public static CalibrationProfile? Read(string folder)
    {
        string path = Path.Combine(folder, FileName);
        return File.Exists(path) ? CalibrationProfile.FromJson(File.ReadAllText(path)) : null;
    }
}
