using System.Diagnostics.CodeAnalysis;
using EdgeRig.Core;

namespace EdgeRig.Formats;

/// <summary>Decodes stored chunk bytes into samples, turning format failures into a <see cref="ChunkProblem"/> (the readers' one policy).</summary>
public static class ChunkDecoding
{
    /// <summary>
    /// The chunk's samples, or the problem that names it when the bytes do not decode or hold another count than its index says.
    /// The caller gives <paramref name="stored"/> away: the payloads of an uncompressed chunk are slices of it, not a copy.
    /// </summary>
    public static bool TryDecode(ChunkInfo chunk, byte[] stored, [NotNullWhen(true)] out IReadOnlyList<Sample>? samples, [NotNullWhen(false)] out ChunkProblem? problem)
    {
        samples = null;
        try
        {
            var decoded = ChunkFormat.DecodeInPlace(chunk, stored, pool: null, out _);
            if (decoded.Count != chunk.Count)
            {
                problem = new ChunkProblem(chunk.Stream.Value, chunk.Index, ChunkProblemKind.Corrupt, $"{decoded.Count} samples decoded, index says {chunk.Count}");
                return false;
            }
            samples = decoded;
            problem = null;
            return true;
        }
        catch (CorruptChunkException e)
        {
            problem = new ChunkProblem(chunk.Stream.Value, chunk.Index, ChunkProblemKind.Corrupt, e.Message);
            return false;
        }
    }
}
