using EdgeRig.Core;
using EdgeRig.Formats;
using EdgeRig.Privacy;
using EdgeRig.Storage;

namespace EdgeRig.Storage.Tests;

/// <summary>Encryption at rest through the store: sealed chunks on disk, tamper detection naming the chunk, key rotation, purge.</summary>
public sealed class EncryptedStoreTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "edgerig-enc-" + Guid.NewGuid().ToString("N"));
    private readonly KeyRing _keys;
    private static readonly StreamDescriptor Cam = new(new StreamId("cam0"), Modality.Camera, Encodings.Jpeg, 30, "", "cam0", "cam0");
    private static readonly StreamDescriptor Imu = new(new StreamId("imu0"), Modality.Imu, Encodings.Imu6, 400, "", "imu0", "imu0");

    public EncryptedStoreTests() => _keys = KeyRing.Open(Path.Combine(_dir, "keys", "data.keys"), createIfMissing: true);

    public void Dispose()
    {
        _keys.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private LiteDbSessionStore Store(ChunkPayloadLayout layout = ChunkPayloadLayout.Segments, bool withCipher = true) =>
        new(_dir, new SessionStoreOptions { Layout = layout, FreeSpaceReserveBytes = 0, Cipher = withCipher ? new KeyRingChunkCipher(_keys) : null, EncryptNewSessions = withCipher });

    private static readonly byte[] Pattern = Enumerable.Repeat((byte)0x5A, 3000).ToArray();

    private static void Record(LiteDbSessionStore store, string id)
    {
        store.CreateSession(new Session(id, id, "ana", new Dictionary<string, string>(), new RigTime(1_000), null, SessionState.Recording, "rig"), [Cam, Imu]);
        var frames = Enumerable.Range(0, 4).Select(k => new Sample(Cam.Id, k, new SensorTime(k), new HostTime(k), new RigTimestamp(new RigTime(2_000 + k), new Duration(1)), Pattern)).ToArray();
        var imu = Enumerable.Range(0, 50).Select(k => new Sample(Imu.Id, k, new SensorTime(k), new HostTime(k), new RigTimestamp(new RigTime(2_000 + k), new Duration(1)), new byte[24])).ToArray();
        store.WriteChunks(id, [new ChunkBatch(Cam, frames), new ChunkBatch(Imu, imu)]);
        store.CloseSession(id, new RigTime(9_000), SessionState.Complete, "done");
    }

    [Theory]
    [InlineData(ChunkPayloadLayout.Segments)]
    [InlineData(ChunkPayloadLayout.Embedded)]
    public void Encrypted_RoundTrips_AndNoPlainBytesReachTheDisk(ChunkPayloadLayout layout)
    {
        using (var store = Store(layout))
        {
            Record(store, "e1");
            Assert.Equal(_keys.Current.Id, store.GetSession("e1").KeyId); // the rig key wrapping the session's own data key
            var cam = store.ListChunks("e1").Single(c => c.Stream == Cam.Id);
            var samples = ChunkFormat.Decode(cam, store.ReadChunk("e1", cam));
            Assert.All(samples, s => Assert.True(s.Payload.Span.SequenceEqual(Pattern)));
        }
        foreach (var file in Directory.GetFiles(Path.Combine(_dir, "sessions")))
        {
            byte[] bytes = File.ReadAllBytes(file);
            Assert.True(bytes.AsSpan().IndexOf(Pattern.AsSpan(0, 256)) < 0, $"{Path.GetFileName(file)} holds plain frame bytes");
        }
    }

    [Fact]
    public void FlippedByte_FailsDecryption_NamingTheChunk()
    {
        using (var store = Store()) Record(store, "e2");
        string seg = Path.Combine(_dir, "sessions", "e2.seg");
        byte[] bytes = File.ReadAllBytes(seg);
        bytes[bytes.Length / 4] ^= 0x01; // inside the first (camera) chunk's ciphertext
        File.WriteAllBytes(seg, bytes);
        using var reopened = Store();
        var cam = reopened.ListChunks("e2").Single(c => c.Stream == Cam.Id);
        var e = Assert.Throws<CorruptChunkException>(() => reopened.ReadChunk("e2", cam));
        Assert.Contains("e2/cam0/0", e.Message);
        Assert.False(e.Missing);
        var imu = reopened.ListChunks("e2").Single(c => c.Stream == Imu.Id);
        Assert.Equal(50, ChunkFormat.Decode(imu, reopened.ReadChunk("e2", imu)).Count); // the other chunk is intact
    }

    [Fact]
    public void Rotation_NewSessionsUseTheNewKey_OldOnesStillRead()
    {
        using var store = Store();
        Record(store, "old");
        string oldKey = store.GetSession("old").KeyId;
        string newKey = store.Options.Cipher!.Rotate();
        Record(store, "new");
        Assert.NotEqual(oldKey, newKey);
        Assert.Equal(newKey, store.GetSession("new").KeyId);
        foreach (var id in new[] { "old", "new" })
            foreach (var c in store.ListChunks(id))
                Assert.Equal(c.Count, ChunkFormat.Decode(c, store.ReadChunk(id, c)).Count);
    }

    [Fact]
    public void WithoutTheKeyRing_EncryptedChunksAreRefusedByName_AndPurgeAndDeleteStillWork()
    {
        using (var store = Store()) Record(store, "e3");
        using var plain = Store(withCipher: false);
        // the index is metadata and lists (a repair rebuilds it without the key); the chunks' bytes are refused by name
        var chunk = plain.ListChunks("e3")[0];
        var e = Assert.Throws<CorruptChunkException>(() => plain.ReadChunk("e3", chunk));
        Assert.Contains("encrypted", e.Message);
        Assert.Contains($"{chunk.Stream}/{chunk.Index}", e.Message);
        plain.DeleteSession("e3");
        Assert.Empty(Directory.GetFiles(Path.Combine(_dir, "sessions"), "e3*"));
    }

    [Fact]
    public void Delete_CryptoShreds_TheWrappedSessionKeyLeavesTheCatalogue()
    {
        using var store = Store();
        Record(store, "e5");
        Record(store, "e6");
        store.DeleteSession("e5");
        Assert.Throws<SessionNotFoundException>(() => store.GetSession("e5"));
        store.Dispose();
        // the other session's key is still there and reads; no trace of e5's key text remains in the catalogue file
        using var reopened = Store();
        Assert.All(reopened.ListChunks("e6"), c => Assert.Equal(c.Count, ChunkFormat.Decode(c, reopened.ReadChunk("e6", c)).Count));
        byte[] catalogue = File.ReadAllBytes(Path.Combine(_dir, "catalogue.db"));
        Assert.True(catalogue.AsSpan().IndexOf("s-e5:"u8) < 0, "the wrapped key of the deleted session is still in catalogue.db");
        Assert.True(catalogue.AsSpan().IndexOf("s-e6:"u8) >= 0, "the live session's wrapped key should be there (the check can fail)");
    }

    [Fact]
    public void Purge_ErasesSealedChunks()
    {
        using var store = Store();
        Record(store, "e4");
        Assert.True(store.PurgeStream("e4", "cam0", "consent withdrawn") > 0);
        Assert.Equal(["imu0"], store.ListChunks("e4").Select(c => c.Stream.Value));
    }
}
