using System.Collections.Concurrent;

namespace EdgeRig.Upload.Fleet;

/// <summary>
/// Every rig's sessions under a prefix, straight from the bucket: the rig folders, each rig's session folders, and each
/// session's <c>manifest.json</c> (the commit marker: a session without one is an upload under way or cut off, never listed
/// as a session). No index of its own, so it can never disagree with the bucket; a request per rig and one per session.
/// A manifest it cannot read is skipped and reported, not fatal: one bad object must not hide the fleet.
/// </summary>
public sealed class FleetCatalogue(IBucketReader reader, FleetOptions options, TimeProvider? time = null)
{
    private readonly RetryRunner retry = options.Validate().Runner(time);

    /// <exception cref="Amazon.S3.AmazonS3Exception">the bucket is missing or the keys are refused.</exception>
    public async Task<FleetListing> ListAsync(FleetFilter filter, CancellationToken ct)
    {
        string root = options.Root;
        var rigs = await retry.RunAsync($"list {root}", c => reader.ListFoldersAsync(root, c), ct).ConfigureAwait(false);
        if (filter.Rigs.Count > 0) rigs = [.. rigs.Where(filter.Rigs.Contains)];
        var sessionFolders = new ConcurrentBag<(string Rig, string Id)>();
        await Parallel.ForEachAsync(rigs, Parallelism(ct), async (rig, c) =>
        {
            foreach (string id in await retry.RunAsync($"list {root}{rig}/", x => reader.ListFoldersAsync($"{root}{rig}/", x), c).ConfigureAwait(false))
                sessionFolders.Add((rig, id));
        }).ConfigureAwait(false);

        var sessions = new ConcurrentBag<FleetSession>();
        var skipped = new ConcurrentBag<FleetProblem>();
        await Parallel.ForEachAsync(sessionFolders, Parallelism(ct), async (folder, c) =>
        {
            string key = $"{root}{folder.Rig}/{folder.Id}/{ObjectLayout.ManifestName}";
            var read = await retry.RunAsync($"GET {key}", x => ReadManifestAsync(key, x), c).ConfigureAwait(false);
            if (read is null) { sessions.Add(new FleetSession(folder.Rig, folder.Id, Committed: false)); return; }
            try
            {
                var m = UploadManifest.Parse(read.Value.Bytes, key);
                if (m.Rig != folder.Rig || m.Session != folder.Id)
                    throw new InvalidDataException($"{key} describes {m.Rig}/{m.Session}, not the folder it is in");
                sessions.Add(FleetSession.From(m, read.Value.LastModified));
            }
            catch (InvalidDataException e) { skipped.Add(new FleetProblem(key, e.Message)); }
        }).ConfigureAwait(false);

        return new FleetListing(
            [.. sessions.Where(filter.Matches).OrderBy(s => !s.Committed).ThenBy(s => s.StartNs).ThenBy(s => s.Rig, StringComparer.Ordinal)
                .ThenBy(s => s.Id, StringComparer.Ordinal)],
            [.. skipped.OrderBy(p => p.Key, StringComparer.Ordinal)]);
    }

    /// <summary>The manifest's bytes and when it was written, or null if the session has none (not committed).</summary>
    private async Task<(byte[] Bytes, DateTimeOffset LastModified)?> ReadManifestAsync(string key, CancellationToken ct)
    {
        using var body = await reader.GetAsync(key, 0, ct).ConfigureAwait(false);
        if (body is null) return null;
        using var copy = new MemoryStream();
        await body.Content.CopyToAsync(copy, ct).ConfigureAwait(false);
        return (copy.ToArray(), body.LastModified);
    }

    private ParallelOptions Parallelism(CancellationToken ct) => new() { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = ct };
}
