using EdgeRig.Core;
using EdgeRig.Upload;

namespace EdgeRig.Service.Upload;

/// <summary>The rig file's upload section made real: the checked options, the credentials, the S3 target.</summary>
internal sealed class UploadSettings(UploadOptions options, IUploadTarget target, IReadOnlyList<string> formats, bool deleteAfterUpload) : IDisposable
{
    public UploadOptions Options { get; } = options;
    public IUploadTarget Target { get; } = target;
    public IReadOnlyList<string> Formats { get; } = formats;
    public bool DeleteAfterUpload { get; } = deleteAfterUpload;

    /// <summary>Where sessions go, with no secret in it: s3://BUCKET/PREFIX/RIG at ENDPOINT.</summary>
    public string Describe() => $"s3://{Options.Bucket}/{(Options.Prefix.Length > 0 ? Options.Prefix + "/" : "")}{Options.Rig} at {Options.Endpoint.GetLeftPart(UriPartial.Authority)}";

    public void Dispose() => (Target as IDisposable)?.Dispose();
}

/// <summary>The upload queue in the service (README "Fleet upload").</summary>
public static class UploadSetup
{
    /// <summary>Registers the queue; with an upload section, checks it now, so a broken one refuses start-up naming the field.</summary>
    /// <exception cref="RigProfileException">an upload field cannot work (endpoint rule, bucket name, credentials file mode, CA file).</exception>
    public static void AddUploads(this IServiceCollection services, RigProfile rig, string dataDir, string softwareVersion)
    {
        var settings = rig.Upload is { } profile ? Settings(rig, profile, softwareVersion) : null;
        services.AddSingleton(sp => new UploadQueue(settings, sp.GetRequiredService<ISessionStore>(),
            settings is null ? null : new UploadRecords(sp.GetRequiredService<Storage.LiteDbSessionStore>().CatalogueCollection(UploadRecords.Collection)),
            settings is null ? null : new StoredSessionUpload(sp.GetRequiredService<ISessionStore>(), sp.GetRequiredService<Privacy.EgressPolicy>(),
                sp.GetService<Calibration.Profiles.ICalibrationProfileStore>(), sp.GetRequiredService<Recording.RecordingPipeline>()),
            sp.GetRequiredService<IAuditLog>(), sp.GetRequiredService<TimeProvider>(), dataDir, sp.GetRequiredService<ILogger<UploadQueue>>()));
        services.AddHostedService(sp => sp.GetRequiredService<UploadQueue>());
        if (settings is not null) services.AddSingleton(settings); // disposed with the container
    }

    public static void MapUploads(this WebApplication app) => app.MapGrpcService<UploadGrpcService>();

    private static UploadSettings Settings(RigProfile rig, UploadProfile profile, string softwareVersion)
    {
        string file = rig.File.Length > 0 ? rig.File : rig.Name;
        try
        {
            var options = new UploadOptions
            {
                Endpoint = UploadEndpoint.Parse(profile.Endpoint),
                Bucket = profile.Bucket,
                Prefix = profile.Prefix,
                Rig = rig.Name,
                Region = profile.Region,
                SoftwareVersion = softwareVersion,
                MaxMiBps = profile.MaxMiBps,
                CaFile = profile.CaFile,
                Retry = RetryPolicy.Default with { Max = TimeSpan.FromSeconds(profile.RetryMaxSeconds) },
            }.Validate();
            var credentials = S3CredentialsFile.Read(CredentialsPath(file, profile), profile.Profile);
            return new UploadSettings(options, new S3UploadTarget(options, credentials), profile.Formats, profile.DeleteAfterUpload);
        }
        catch (UploadSettingsException e)
        {
            throw new RigProfileException(file, e.Field == "rig name" ? "name" : e.Field, e.Reason);
        }
    }

    /// <summary>upload.credentialsFile, or the systemd credential when it is empty (LoadCredential=edgerig-s3-credentials:PATH).</summary>
    private static string CredentialsPath(string file, UploadProfile profile)
    {
        if (profile.CredentialsFile.Length > 0) return profile.CredentialsFile;
        if (Environment.GetEnvironmentVariable("CREDENTIALS_DIRECTORY") is { Length: > 0 } dir
            && File.Exists(Path.Combine(dir, UploadProfile.SystemdCredential)))
            return Path.Combine(dir, UploadProfile.SystemdCredential);
        throw new RigProfileException(file, "upload.credentialsFile",
            $"is required: an AWS shared-credentials file (mode 0600), or the systemd credential {UploadProfile.SystemdCredential} (LoadCredential=)");
    }
}
