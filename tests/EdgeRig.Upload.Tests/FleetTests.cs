using System.Security.Cryptography;
using EdgeRig.Export;
using EdgeRig.Export.SessionMcap;
using EdgeRig.Export.Tests.SessionMcap;
using EdgeRig.Formats;
using EdgeRig.Upload.Fleet;

namespace EdgeRig.Upload.Tests;

/// <summary>
/// The fleet view against a real radosgw: the catalogue lists exactly the committed sessions of every rig with what their
/// manifests say, filters by rig, time and tag; a fleet pull rebuilds the pulled folder byte for byte (the MCAP export of it
/// is the export of the original), refuses an object damaged in the bucket naming it, and resumes without fetching again
/// what is already there.
/// </summary>
[Collection(LocalS3Collection.Name)]
public sealed class FleetTests(LocalS3Fixture s3) : IAsyncLifetime
{
    private FleetBucket fleet = null!;
    private S3BucketReader reader = null!;
    private readonly string outDir = Directory.CreateTempSubdirectory("edgerig-fleet-").FullName;

    public async Task InitializeAsync()
    {
        fleet = await FleetBucket.CreateAsync(s3);
        reader = new S3BucketReader(fleet.Options, s3.Credentials);
    }

    public Task DisposeAsync()
    {
        reader.Dispose();
        fleet.Dispose();
        Directory.Delete(outDir, recursive: true);
        return Task.CompletedTask;
    }

    private Task<FleetListing> ListAsync(FleetFilter filter) => new FleetCatalogue(reader, fleet.Options).ListAsync(filter, CancellationToken.None);

    private static string Sha256Of(string file) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file)));

    [Fact]
    public async Task Catalogue_ListsExactlyTheCommittedSessionsOfEveryRig_WithWhatTheirManifestsSay()
    {
        var listing = await ListAsync(FleetFilter.All);

        Assert.Equal([("rig-b", fleet.RigB.SessionId), ("rig-a", fleet.RigAId)], listing.Sessions.Select(s => (s.Rig, s.Id))); // oldest start first
        var a = listing.Sessions[1];
        Assert.True(a.Committed);
        Assert.Equal(("synthetic", "ana", "lab", "Complete"), (a.Name, a.Operator, a.Tags["site"], a.State));
        Assert.Equal(SyntheticSessionFolder.StartNs, a.StartNs);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddTicks(SyntheticSessionFolder.StartNs / 100), a.Start);
        Assert.Equal(1.0, a.DurationSeconds, 9);
        Assert.Equal(("pass", "lab@2"), (a.QaVerdict, a.Calibration));
        long chunkBytes = fleet.RigA.Manifest.Chunks.Sum(c => (long)c.StoredLength);
        Assert.Equal(chunkBytes + new FileInfo(fleet.RigAMcap).Length, a.Bytes);
        Assert.Equal(fleet.RigA.Manifest.Chunks.Count + 1, a.Objects);
        Assert.True(a.HasMcap);
        Assert.Equal(["cam0", "mic0", "lidar0", "imu0", "button0"], a.Streams);
        Assert.Equal(fleet.RigA.Manifest.SessionSha256, a.SessionSha256);
        Assert.Equal("test-1.0", a.Software);
        Assert.NotNull(a.UploadedAt);

        var b = listing.Sessions[0];
        Assert.Equal(("bench run", "ana", "lab-a"), (b.Name, b.Operator, b.Tags["site"]));
        Assert.Equal((1_000L, 9_000L), (b.StartNs, b.StopNs));
        Assert.Equal((null, null, false), (b.QaVerdict, b.Calibration, b.HasMcap)); // this upload did not carry them
        Assert.Equal(fleet.RigB.Manifest.Chunks.Sum(c => (long)c.StoredLength), b.Bytes);

        var skipped = Assert.Single(listing.Skipped);
        Assert.Equal(FleetBucket.BadManifestKey, skipped.Key);
        Assert.Contains("format 'something-else/9' is not 'edgerig-upload/1'", skipped.Reason);
    }

    [Fact]
    public async Task Catalogue_IncompleteSession_ListedOnlyOnRequest_AndNeverByContentFilters()
    {
        var all = await ListAsync(new FleetFilter { IncludeIncomplete = true });
        Assert.Equal(3, all.Sessions.Count);
        var cut = all.Sessions[^1];
        Assert.Equal(("rig-b", FleetBucket.Incomplete, false, 0L), (cut.Rig, cut.Id, cut.Committed, cut.Bytes));
        Assert.Null(cut.UploadedAt);

        var tagged = await ListAsync(new FleetFilter { IncludeIncomplete = true, Tags = ["site"] });
        Assert.All(tagged.Sessions, s => Assert.True(s.Committed));
        Assert.Equal(2, tagged.Sessions.Count);
    }

    [Theory]
    [InlineData(new[] { "rig-b" }, null, null, null, "rig-b")]
    [InlineData(new[] { "rig-a", "rig-b" }, null, null, null, "rig-b,rig-a")]
    [InlineData(new[] { "rig-z" }, null, null, null, "")]
    [InlineData(new string[0], "2025-01-01T00:00:00Z", null, null, "rig-a")]
    [InlineData(new string[0], null, "2000-01-01T00:00:00Z", null, "rig-b")]
    [InlineData(new string[0], "2025-06-15T15:06:40Z", "2025-06-15T15:06:41Z", null, "rig-a")] // the start of rig-a's session, to the second
    [InlineData(new string[0], "2025-06-15T15:06:41Z", null, null, "")]
    [InlineData(new string[0], null, null, "site=lab", "rig-a")]
    [InlineData(new string[0], null, null, "site=lab-a", "rig-b")]
    [InlineData(new string[0], null, null, "site", "rig-b,rig-a")]
    [InlineData(new string[0], null, null, "operator", "")]
    [InlineData(new[] { "rig-a" }, null, null, "site=lab-a", "")]
    public async Task Catalogue_Filters_ByRigTimeAndTag(string[] rigs, string? since, string? until, string? tag, string expectedRigs)
    {
        var filter = new FleetFilter
        {
            Rigs = rigs, Since = since is null ? null : DateTimeOffset.Parse(since), Until = until is null ? null : DateTimeOffset.Parse(until),
            Tags = tag is null ? [] : [tag],
        };
        var listing = await ListAsync(filter);
        Assert.Equal(expectedRigs, string.Join(',', listing.Sessions.Select(s => s.Rig)));
    }

    [Fact]
    public async Task Pull_RebuildsThePulledFolderByteForByte_AndItExportsAsTheOriginal()
    {
        var progress = new List<FleetPullProgress>();
        var result = await new FleetDownloader(reader, fleet.Options).PullAsync("rig-a", fleet.RigAId, outDir, withMcap: true,
            new SynchronousProgress<FleetPullProgress>(progress.Add), CancellationToken.None);

        string folder = Path.Combine(outDir, fleet.RigAId);
        Assert.Equal(folder, result.Folder);
        int chunks = fleet.RigA.Manifest.Chunks.Count;
        Assert.Equal((chunks + 1, chunks + 1, 0, true), (result.Objects, result.Downloaded, result.Skipped, result.Complete));
        Assert.Equal(File.ReadAllBytes(Path.Combine(fleet.RigA.Folder, "manifest.json")), File.ReadAllBytes(Path.Combine(folder, "manifest.json")));
        Assert.Empty(new PulledSessionFolder(folder).Verify());
        foreach (var c in fleet.RigA.Manifest.Chunks)
            Assert.Equal(File.ReadAllBytes(Path.Combine(fleet.RigA.Folder, c.File)), File.ReadAllBytes(Path.Combine(folder, c.File)));
        Assert.Equal(["chunks", "manifest.json"], Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName).Order());
        Assert.Empty(Directory.EnumerateFiles(outDir, "*.part", SearchOption.AllDirectories));
        Assert.Equal(Path.Combine(outDir, fleet.RigAId + ".mcap"), result.McapFile);
        Assert.Equal(Sha256Of(fleet.RigAMcap), Sha256Of(result.McapFile!));
        Assert.Equal((result.BytesTotal, result.BytesTotal), (progress[^1].BytesDone, progress[^1].BytesTotal));
        Assert.Equal(result.BytesTotal, result.BytesDownloaded);

        static SessionMcapResult Export(string dir)
        {
            using var sink = new MemoryStream();
            return SessionExport.Prepare(new PulledFolderSessionSource(dir), new SessionExportOptions()).WriteMcap(sink);
        }
        var original = Export(fleet.RigA.Folder);
        var pulled = Export(folder);
        Assert.True(pulled.Complete);
        Assert.Equal((original.Bytes, original.Sha256), (pulled.Bytes, pulled.Sha256));
        Assert.Equal(original.MessageCounts, pulled.MessageCounts);
    }

    [Fact]
    public async Task Pull_ObjectDamagedInTheBucket_IsRefusedNamingIt_AndTheFolderIsNotAPulledSession()
    {
        var damaged = fleet.RigB.Manifest.Chunks[5];
        string key = $"lab/rig-b/{fleet.RigB.SessionId}/{damaged.File}";
        await fleet.PutAsync(key, new string('x', damaged.StoredLength)); // same size, other bytes: only the hash can tell

        var e = await Assert.ThrowsAsync<FleetDownloadException>(() => new FleetDownloader(reader, fleet.Options with { Concurrency = 1 })
            .PullAsync("rig-b", fleet.RigB.SessionId, outDir, withMcap: false, null, CancellationToken.None));

        Assert.StartsWith($"{key} is damaged in the bucket: {damaged.StoredLength} bytes", e.Message);
        Assert.Contains(damaged.Sha256, e.Message);
        string folder = Path.Combine(outDir, fleet.RigB.SessionId);
        Assert.False(File.Exists(Path.Combine(folder, "manifest.json")));
        Assert.False(File.Exists(Path.Combine(folder, damaged.File)));
        Assert.Empty(Directory.EnumerateFiles(folder, "*.part", SearchOption.AllDirectories));
        Assert.Throws<InvalidDataException>(() => new PulledFolderSessionSource(folder));
    }

    [Fact]
    public async Task Pull_InterruptedEarlier_FetchesOnlyWhatIsMissingOrWrong_AndContinuesAPartFile()
    {
        var chunks = fleet.RigB.Manifest.Chunks;
        string folder = Path.Combine(outDir, fleet.RigB.SessionId);
        string Local(int i) => Path.Combine(folder, chunks[i].File);
        string Original(int i) => Path.Combine(fleet.RigB.Folder, chunks[i].File);
        foreach (int i in new[] { 0, 1, 2, 6 })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Local(i))!);
            File.Copy(Original(i), Local(i)); // finished by the earlier run
        }
        byte[] three = File.ReadAllBytes(Original(3));
        File.WriteAllBytes(Local(3) + ".part", three[..(three.Length / 2)]); // cut off mid-object
        File.WriteAllBytes(Local(4) + ".part", new byte[100]);                  // a .part that is not the object's start
        byte[] five = File.ReadAllBytes(Original(5));
        five[10] ^= 0xFF;
        File.WriteAllBytes(Local(5), five);                                      // right size, wrong bytes

        var counting = new CountingBucketReader(reader);
        var result = await new FleetDownloader(counting, fleet.Options).PullAsync("rig-b", fleet.RigB.SessionId, outDir, false, null, CancellationToken.None);

        string Key(int i) => $"lab/rig-b/{fleet.RigB.SessionId}/{chunks[i].File}";
        Assert.Equal(
            new[] { (Key(3), (long)(three.Length / 2)), (Key(4), 100L), (Key(4), 0L), (Key(5), 0L), (Key(7), 0L), ($"lab/rig-b/{fleet.RigB.SessionId}/manifest.json", 0L) }
                .Order(),
            counting.Gets.Order());
        Assert.Equal((8, 4, 4), (result.Objects, result.Downloaded, result.Skipped));
        Assert.Empty(new PulledSessionFolder(folder).Verify());
        Assert.Empty(Directory.EnumerateFiles(folder, "*.part", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Pull_CancelledMidway_RunAgain_NeverFetchesAFinishedObjectAgain()
    {
        using var cts = new CancellationTokenSource();
        var first = new CountingBucketReader(reader);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new FleetDownloader(first, fleet.Options with { Concurrency = 2 })
            .PullAsync("rig-a", fleet.RigAId, outDir, withMcap: true,
                new SynchronousProgress<FleetPullProgress>(p => { if (p.ObjectsDone >= 5) cts.Cancel(); }), cts.Token));
        string folder = Path.Combine(outDir, fleet.RigAId);
        Assert.False(File.Exists(Path.Combine(folder, "manifest.json")));
        var finished = Directory.EnumerateFiles(outDir, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".part", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(folder, f).Replace('\\', '/')).ToHashSet();
        Assert.True(finished.Count >= 5, $"{finished.Count} objects finished before the cancel");

        var again = new CountingBucketReader(reader);
        var result = await new FleetDownloader(again, fleet.Options).PullAsync("rig-a", fleet.RigAId, outDir, withMcap: true, null, CancellationToken.None);

        var fetchedAgain = again.Gets.Select(g => g.Key[$"lab/rig-a/{fleet.RigAId}/".Length..]).Where(k => k != "manifest.json")
            .Select(k => k.EndsWith(".mcap", StringComparison.Ordinal) ? "../" + k : k).ToList();
        Assert.Empty(fetchedAgain.Intersect(finished));
        Assert.Equal(result.Objects, result.Skipped + result.Downloaded);
        Assert.Equal(finished.Count, result.Skipped);
        Assert.Empty(new PulledSessionFolder(folder).Verify());
        Assert.Equal(Sha256Of(fleet.RigAMcap), Sha256Of(result.McapFile!));
    }

    [Theory]
    [InlineData("chunks/../../escaped.chunk", "chunk file: '..' is not a key component")]
    [InlineData("chunks/cam0/000001.chunk", "2 chunks of the pulled session share the file chunks/cam0/000001.chunk")]
    [InlineData("elsewhere/000000.chunk", "chunk file 'elsewhere/000000.chunk' is not under chunks/")]
    public async Task Pull_ForgedManifest_ChunkFilesOutsideTheFolderOrShared_RefusedBeforeWritingAnything(string firstChunkFile, string expected)
    {
        const string id = "S20261210-1";
        var pulled = fleet.RigB.Manifest with
        {
            Session = fleet.RigB.Manifest.Session with { Id = id },
            Chunks = [fleet.RigB.Manifest.Chunks[0] with { File = firstChunkFile }, .. fleet.RigB.Manifest.Chunks.Skip(1)],
        };
        var objects = pulled.Chunks.Select(c => new UploadedObject(c.File, c.StoredLength, c.Sha256)).DistinctBy(o => o.Path).ToList();
        var forged = new UploadManifest(UploadManifest.FormatName, "rig-b", id, "forged", objects) { PulledSession = pulled };
        await fleet.PutAsync($"lab/rig-b/{id}/manifest.json", System.Text.Encoding.UTF8.GetString(forged.ToUtf8()));

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => new FleetDownloader(reader, fleet.Options)
            .PullAsync("rig-b", id, outDir, false, null, CancellationToken.None));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith($"lab/rig-b/{id}/manifest.json", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(outDir));
    }

    [Fact]
    public async Task Pull_SessionWithoutManifest_IsRefusedAsNotFinished()
    {
        var e = await Assert.ThrowsAsync<FleetDownloadException>(() => new FleetDownloader(reader, fleet.Options)
            .PullAsync("rig-b", FleetBucket.Incomplete, outDir, false, null, CancellationToken.None));
        Assert.Equal($"lab/rig-b/{FleetBucket.Incomplete}/manifest.json not found: there is no such session in the bucket, or its upload is not finished (no manifest yet)",
            e.Message);
        Assert.False(Directory.Exists(Path.Combine(outDir, FleetBucket.Incomplete)));
    }

    [Fact]
    public async Task Pull_IntoAFolderHoldingAnotherSessionOfThatId_IsRefused()
    {
        string folder = Directory.CreateDirectory(Path.Combine(outDir, fleet.RigB.SessionId)).FullName;
        (fleet.RigB.Manifest with { SessionSha256 = new string('0', 64) }).Save(folder);
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => new FleetDownloader(reader, fleet.Options)
            .PullAsync("rig-b", fleet.RigB.SessionId, outDir, false, null, CancellationToken.None));
        Assert.Contains("holds another session", e.Message);
        Assert.Equal(["manifest.json"], Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName));
    }
}

/// <summary>Reports on the calling thread, at once (Progress&lt;T&gt; posts later), so a test can cancel at an exact point.</summary>
internal sealed class SynchronousProgress<T>(Action<T> handler) : IProgress<T>
{
    public void Report(T value) => handler(value);
}
