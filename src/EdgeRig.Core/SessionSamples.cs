namespace EdgeRig.Core;

/// <summary>
/// Reads whole streams of an <see cref="ISessionSource"/> under the one damaged-chunk policy: a chunk that cannot be read is
/// skipped and added to the caller's list, so the caller can say which data is missing.
/// </summary>
public static class SessionSamples
{
    /// <summary>Every intact sample of one stream in chunk order; each damaged chunk is skipped and added to <paramref name="damaged"/>.</summary>
    public static IEnumerable<Sample> ReadStream(this ISessionSource source, StreamId stream, ICollection<ChunkProblem> damaged)
    {
        foreach (var chunk in source.Chunks.Where(c => c.Stream == stream).OrderBy(c => c.Index))
        {
            if (!source.TryReadChunk(chunk, out var samples, out var problem))
            {
                damaged.Add(problem);
                continue;
            }
            foreach (var s in samples) yield return s;
        }
    }
}
