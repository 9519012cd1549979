using Amazon.S3.Model;
using EdgeRig.Export;
using EdgeRig.Export.SessionMcap;
using EdgeRig.Export.Tests.SessionMcap;
using EdgeRig.Upload.Fleet;

namespace EdgeRig.Upload.Tests;

/// <summary>
/// A fresh bucket on the local radosgw holding a small fleet, uploaded by the real <see cref="SessionUploader"/>: rig-a's
/// session of real, decodable chunks (five modalities) with its MCAP export, QA verdict and calibration; rig-b's session of
/// random chunk bytes without them; an incomplete rig-b session (a chunk, no manifest); and a rig-c "manifest" that is not
/// one. The fleet view must list exactly the first two, skip the last naming it, and show the third only on request.
/// </summary>
internal sealed class FleetBucket : IDisposable
{
    public const string Prefix = "lab", Incomplete = "S20261207-9", BadManifestKey = "lab/rig-c/S20261208-1/manifest.json";

    private FleetBucket(UploadOptions upload, S3UploadTarget admin)
    {
        Upload = upload;
        Admin = admin;
        Options = new FleetOptions { Endpoint = upload.Endpoint, Bucket = upload.Bucket, Prefix = Prefix };
    }

    public UploadOptions Upload { get; }

    public FleetOptions Options { get; }

    /// <summary>A client of the same bucket, for tests that damage objects behind the fleet view's back.</summary>
    public S3UploadTarget Admin { get; }

    public SyntheticSessionFolder RigA { get; } = new();

    public SyntheticPulledSession RigB { get; } = new("S20261206-1", chunksPerStream: 4, chunkBytes: 30_000, seed: 3);

    public string RigAMcap => Path.Combine(RigA.Folder + ".export", RigA.Manifest.Session.Id + ".mcap");

    public string RigAId => RigA.Manifest.Session.Id;

    public static async Task<FleetBucket> CreateAsync(LocalS3Fixture s3)
    {
        var upload = await s3.NewBucketAsync("rig-a");
        var fleet = new FleetBucket(upload, new S3UploadTarget(upload, s3.Credentials));
        Directory.CreateDirectory(Path.GetDirectoryName(fleet.RigAMcap)!);
        using (var mcap = File.Create(fleet.RigAMcap))
            SessionExport.Prepare(new PulledFolderSessionSource(fleet.RigA.Folder), new SessionExportOptions()).WriteMcap(mcap);

        var rigA = SessionUploadSource.FromPulledFolder(fleet.RigA.Folder, UploadItem.FromFile(ObjectLayout.McapName(fleet.RigAId), fleet.RigAMcap))
            with { QaVerdict = "pass", Calibration = "lab@2" };
        await new SessionUploader(fleet.Admin, upload).UploadAsync(rigA, null, CancellationToken.None);
        var rigBOptions = upload with { Rig = "rig-b" };
        using (var rigBTarget = new S3UploadTarget(rigBOptions, s3.Credentials))
            await new SessionUploader(rigBTarget, rigBOptions).UploadAsync(SessionUploadSource.FromPulledFolder(fleet.RigB.Folder), null, CancellationToken.None);

        await fleet.PutAsync($"lab/rig-b/{Incomplete}/chunks/cam0/000000.chunk", "an upload cut off before its manifest");
        await fleet.PutAsync(BadManifestKey, "{\"format\": \"something-else/9\"}");
        return fleet;
    }

    /// <summary>Overwrites (or creates) an object with other bytes, as a damaged or foreign object would be.</summary>
    public Task PutAsync(string key, string body) =>
        Admin.Client.PutObjectAsync(new PutObjectRequest { BucketName = Upload.Bucket, Key = key, ContentBody = body });

    public void Dispose()
    {
        Admin.Dispose();
        RigB.Dispose();
        if (Directory.Exists(RigA.Folder + ".export")) Directory.Delete(RigA.Folder + ".export", recursive: true);
        RigA.Dispose();
    }
}
