using System.Collections.Concurrent;
using EdgeRig.Upload.Fleet;

namespace EdgeRig.Upload.Tests;

/// <summary>The real reader, with a log of every GET (key and offset): what a resumed pull fetched again, and from where.</summary>
internal sealed class CountingBucketReader(IBucketReader inner) : IBucketReader
{
    private readonly ConcurrentQueue<(string Key, long Offset)> gets = new();

    public IReadOnlyList<(string Key, long Offset)> Gets => [.. gets];

    public Task<IReadOnlyList<string>> ListFoldersAsync(string prefix, CancellationToken ct) => inner.ListFoldersAsync(prefix, ct);

    public Task<ObjectBody?> GetAsync(string key, long offset, CancellationToken ct)
    {
        gets.Enqueue((key, offset));
        return inner.GetAsync(key, offset, ct);
    }
}
