using EdgeRig.Calibration.Stimulus;
using EdgeRig.Core;
using EdgeRig.Formats;

namespace EdgeRig.Calibration;

/// <summary>Reads a recorded session's streams (descriptor + every sample) for calibration, from the store or a pulled folder.</summary>
public static class SessionStreams
{
    /// <summary>Every stream of a session in the rig's store, chunks decoded and CRC-checked (a bad chunk throws).</summary>
    public static IReadOnlyList<RecordedStream> FromStore(ISessionStore store, string sessionId)
    {
        var record = store.GetSession(sessionId);
        var chunks = store.ListChunks(sessionId);
        return record.Streams.Select(d => new RecordedStream(d, chunks.Where(c => c.Stream == d.Id).OrderBy(c => c.Index)
            .SelectMany(c => ChunkFormat.Decode(c, store.ReadChunk(sessionId, c))).ToList())).ToList();
    }

    /// <summary>Every stream of a pulled session folder (verify the folder first if it came over a network).</summary>
    public static IReadOnlyList<RecordedStream> FromPulledFolder(PulledSessionFolder folder) =>
        folder.Manifest.Streams.Select(s => s.ToDescriptor())
            .Select(d => new RecordedStream(d, folder.ReadSamples(d.Id.Value).ToList())).ToList();
}
