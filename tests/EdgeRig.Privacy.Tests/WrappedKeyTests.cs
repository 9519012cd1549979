namespace EdgeRig.Privacy.Tests;

public sealed class WrappedKeyTests : IDisposable
{
    private const string Aad = "20261127-101500-3f2a/imu0/3";
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Unwrap_AfterReopeningTheRing_OpensTheSessionsChunks()
    {
        string path = _dir.File("data.keys");
        byte[] chunk;
        string stored;
        using (var ring = KeyRing.Open(path, createIfMissing: true))
        using (var sessionKey = DataKey.Generate("s-20261127-101500-3f2a"))
        {
            chunk = ChunkCipher.Seal(sessionKey, "imu samples"u8, Aad);
            var wrapped = sessionKey.Wrap(ring.Current);
            Assert.Equal(ring.Current.Id, wrapped.KekId);
            stored = wrapped.ToText();
        }

        using var reopened = KeyRing.Open(path, createIfMissing: false);
        using var unwrapped = reopened.Unwrap(WrappedKey.Parse(stored));

        Assert.Equal("s-20261127-101500-3f2a", unwrapped.Id);
        Assert.Equal("imu samples"u8.ToArray(), ChunkCipher.Open(unwrapped, chunk, Aad));
    }

    [Fact]
    public void Rewrap_AfterRotation_WrapsUnderTheNewKey()
    {
        using var ring = KeyRing.Open(_dir.File("data.keys"), createIfMissing: true);
        using var sessionKey = DataKey.Generate("s-1");
        var wrapped = sessionKey.Wrap(ring.Current);
        ring.Rotate();

        var rewrapped = ring.Rewrap(wrapped);

        Assert.Equal(ring.Current.Id, rewrapped.KekId);
        Assert.NotEqual(wrapped.KekId, rewrapped.KekId);
        using var unwrapped = ring.Unwrap(rewrapped);
        Assert.Equal(sessionKey.Material.ToArray(), unwrapped.Material.ToArray());
    }

    [Fact]
    public void Unwrap_RelabelledAsAnotherSession_Fails()
    {
        using var ring = KeyRing.Open(_dir.File("data.keys"), createIfMissing: true);
        using var sessionKey = DataKey.Generate("s-1");
        var wrapped = sessionKey.Wrap(ring.Current);

        var relabelled = new WrappedKey("s-2", wrapped.Sealed);

        var e = Assert.Throws<ChunkDecryptionException>(() => ring.Unwrap(relabelled));
        Assert.Equal(ChunkDecryptionFailure.TagMismatch, e.Failure);
    }

    [Theory]
    [InlineData("")]
    [InlineData("no-colon")]
    [InlineData("s-1:not base64!")]
    [InlineData("s-1:AAAA")]
    public void Parse_NotAWrappedKey_ThrowsFormat(string text) => Assert.Throws<FormatException>(() => WrappedKey.Parse(text));
}
