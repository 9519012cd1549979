using EdgeRig.Storage;

namespace EdgeRig.Service.Tests;

/// <summary>A session store in a temporary data folder, deleted with it; <see cref="DamageChunk"/> reopens it after a bad sector.</summary>
internal sealed class TempSessionStore : IDisposable
{
    public string Dir { get; } = Path.Combine(Path.GetTempPath(), "edgerig-store-" + Guid.NewGuid().ToString("N"));

    public LiteDbSessionStore Store { get; private set; }

    public TempSessionStore() => Store = new LiteDbSessionStore(Dir);

    /// <summary>Damages the n-th chunk written to the session, with the store closed meanwhile (as a service would be).</summary>
    public void DamageChunk(string sessionId, int n)
    {
        Store.Dispose();
        StoredChunkDamage.FlipBytes(Dir, sessionId, n);
        Store = new LiteDbSessionStore(Dir);
    }

    public void Dispose()
    {
        Store.Dispose();
        Directory.Delete(Dir, recursive: true);
    }
}
