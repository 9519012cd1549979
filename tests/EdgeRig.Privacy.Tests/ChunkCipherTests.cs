using System.Security.Cryptography;
using System.Text;

namespace EdgeRig.Privacy.Tests;

public sealed class ChunkCipherTests : IDisposable
{
    private const string Aad = "20261127-101500-3f2a/cam0/17";
    private readonly TempDirectory _dir = new();
    private readonly KeyRing _ring;

    public ChunkCipherTests() => _ring = KeyRing.Open(_dir.File("keys"), createIfMissing: true);

    public void Dispose()
    {
        _ring.Dispose();
        _dir.Dispose();
    }

    private static byte[] Data(int length) => Enumerable.Range(0, length).Select(i => (byte)(i * 31 + 7)).ToArray();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(10_000)]
    [InlineData(4 << 20)]
    public void Open_Sealed_ReturnsThePlaintext(int length)
    {
        byte[] plain = Data(length);

        byte[] sealedBytes = ChunkCipher.Seal(_ring.Current, plain, Aad);

        Assert.Equal(ChunkCipher.SealedLength(length, _ring.Current.Id), sealedBytes.Length);
        Assert.Equal(plain, ChunkCipher.Open(_ring, sealedBytes, Aad));
    }

    [Fact]
    public void Seal_WritesTheDocumentedEnvelope()
    {
        var key = _ring.Current;
        byte[] plain = Data(100);

        byte[] e = ChunkCipher.Seal(key, plain, Aad);

        byte[] id = Encoding.UTF8.GetBytes(key.Id);
        Assert.Equal("ERE1"u8.ToArray(), e[..4]);
        Assert.Equal(id.Length, e[4]);
        Assert.Equal(id, e[5..(5 + id.Length)]);
        int nonce = 5 + id.Length;
        Assert.Equal(4 + 1 + id.Length + 12 + plain.Length + 16, e.Length);
        // decrypting the parts independently with the BCL proves the layout and the associated data (header before nonce, then aad)
        byte[] decrypted = new byte[plain.Length];
        using var gcm = new AesGcm(key.Material, 16);
        byte[] associated = [.. e[..nonce], .. Encoding.UTF8.GetBytes(Aad)];
        gcm.Decrypt(e[nonce..(nonce + 12)], e[(nonce + 12)..^16], e[^16..], decrypted, associated);
        Assert.Equal(plain, decrypted);
    }

    [Fact]
    public void Open_AnyByteFlipped_ThrowsNamingTheChunk()
    {
        byte[] sealedBytes = ChunkCipher.Seal(_ring.Current, Data(40), Aad);

        for (int i = 0; i < sealedBytes.Length; i++)
        {
            byte[] tampered = (byte[])sealedBytes.Clone();
            tampered[i] ^= 0x01;
            var e = Assert.Throws<ChunkDecryptionException>(() => ChunkCipher.Open(_ring, tampered, Aad));
            Assert.Equal(Aad, e.Chunk);
            Assert.Contains(Aad, e.Message);
        }
    }

    [Theory]
    [InlineData("magic", ChunkDecryptionFailure.BadEnvelope)]
    [InlineData("key id", ChunkDecryptionFailure.UnknownKey)]
    [InlineData("nonce", ChunkDecryptionFailure.TagMismatch)]
    [InlineData("ciphertext", ChunkDecryptionFailure.TagMismatch)]
    [InlineData("tag", ChunkDecryptionFailure.TagMismatch)]
    public void Open_ByteFlippedInPart_SaysWhy(string part, ChunkDecryptionFailure failure)
    {
        byte[] sealedBytes = ChunkCipher.Seal(_ring.Current, Data(40), Aad);
        int idLength = sealedBytes[4];
        int at = part switch
        {
            "magic" => 1,
            "key id" => 5 + 2,  // first digit of the date in "k-yyyyMMdd-xxxx": another valid id
            "nonce" => 5 + idLength + 3,
            "ciphertext" => 5 + idLength + 12 + 20,
            _ => sealedBytes.Length - 1,
        };
        sealedBytes[at] ^= 0x01;

        var e = Assert.Throws<ChunkDecryptionException>(() => ChunkCipher.Open(_ring, sealedBytes, Aad));

        Assert.Equal(failure, e.Failure);
    }

    [Fact]
    public void Open_AnotherChunksAad_FailsTagMismatch()
    {
        byte[] sealedBytes = ChunkCipher.Seal(_ring.Current, Data(40), "s1/cam0/17");

        var e = Assert.Throws<ChunkDecryptionException>(() => ChunkCipher.Open(_ring, sealedBytes, "s1/cam0/18"));

        Assert.Equal(ChunkDecryptionFailure.TagMismatch, e.Failure);
        Assert.Contains("s1/cam0/18", e.Message);
    }

    [Fact]
    public void Seal_SameDataTwice_DiffersByNonceAndCiphertext()
    {
        byte[] plain = Data(64);

        byte[] a = ChunkCipher.Seal(_ring.Current, plain, Aad), b = ChunkCipher.Seal(_ring.Current, plain, Aad);

        int nonce = 5 + a[4];
        Assert.NotEqual(a[nonce..(nonce + 12)], b[nonce..(nonce + 12)]);
        Assert.NotEqual(a[(nonce + 12)..], b[(nonce + 12)..]);
        Assert.Equal(ChunkCipher.Open(_ring, a, Aad), ChunkCipher.Open(_ring, b, Aad));
    }

    [Fact]
    public void Open_KeyIdNotInRing_ThrowsUnknownKeyNamingIt()
    {
        using var stranger = DataKey.Generate("k-19990101-dead");
        byte[] sealedBytes = ChunkCipher.Seal(stranger, Data(10), Aad);

        var e = Assert.Throws<ChunkDecryptionException>(() => ChunkCipher.Open(_ring, sealedBytes, Aad));

        Assert.Equal(ChunkDecryptionFailure.UnknownKey, e.Failure);
        Assert.Equal("k-19990101-dead", e.KeyId);
        Assert.Contains("k-19990101-dead", e.Message);
    }

    [Fact]
    public void Open_SameIdOtherKeyMaterial_FailsTagMismatch()
    {
        using var impostor = DataKey.Generate(_ring.Current.Id);
        byte[] sealedBytes = ChunkCipher.Seal(impostor, Data(10), Aad);

        var e = Assert.Throws<ChunkDecryptionException>(() => ChunkCipher.Open(_ring, sealedBytes, Aad));

        Assert.Equal(ChunkDecryptionFailure.TagMismatch, e.Failure);
    }

    [Theory]
    [InlineData(new int[0])]
    [InlineData(new[] { 0 })]
    [InlineData(new[] { 1 })]
    [InlineData(new[] { 10, 0, 3 })]
    [InlineData(new[] { 10_000, 1, 65_536, 7 })]
    public void Seal_Pieces_OpensToTheirConcatenation(int[] sizes)
    {
        var pieces = sizes.Select((n, i) => new ReadOnlyMemory<byte>(Data(n + i).AsSpan(i).ToArray())).ToList();
        byte[] whole = pieces.SelectMany(p => p.ToArray()).ToArray();

        byte[] sealedBytes = ChunkCipher.Seal(_ring.Current, pieces, Aad);

        Assert.Equal(ChunkCipher.SealedLength(whole.Length, _ring.Current.Id), sealedBytes.Length);
        Assert.Equal(whole, ChunkCipher.Open(_ring, sealedBytes, Aad));
    }

    [Fact]
    public void Seal_IntoDestination_WritesSealedLength()
    {
        byte[] plain = Data(300);
        byte[] destination = new byte[ChunkCipher.SealedLength(plain.Length, _ring.Current.Id) + 5];

        int written = ChunkCipher.Seal(_ring.Current, plain, Aad, destination);

        Assert.Equal(destination.Length - 5, written);
        Assert.Equal(plain, ChunkCipher.Open(_ring, destination.AsSpan(0, written), Aad));
        Assert.Throws<ArgumentException>(() => ChunkCipher.Seal(_ring.Current, plain, Aad, new byte[written - 1]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(20)]
    public void Open_TooShortOrNotAnEnvelope_ThrowsBadEnvelope(int length)
    {
        var e = Assert.Throws<ChunkDecryptionException>(() => ChunkCipher.Open(_ring, Data(length), Aad));

        Assert.Equal(ChunkDecryptionFailure.BadEnvelope, e.Failure);
        Assert.Contains(Aad, e.Message);
    }

    [Fact]
    public void Open_WithDataKey_RefusesAnotherKeysChunk()
    {
        using var sessionKey = DataKey.Generate("s-20261127-101500-3f2a");
        byte[] mine = ChunkCipher.Seal(sessionKey, Data(50), Aad);
        byte[] theirs = ChunkCipher.Seal(_ring.Current, Data(50), Aad);

        Assert.Equal(Data(50), ChunkCipher.Open(sessionKey, mine, Aad));
        var e = Assert.Throws<ChunkDecryptionException>(() => ChunkCipher.Open(sessionKey, theirs, Aad));
        Assert.Equal(ChunkDecryptionFailure.UnknownKey, e.Failure);
    }

    [Fact]
    public void Messages_NeverHoldKeyMaterial()
    {
        var key = _ring.Current;
        string[] forms = [Convert.ToBase64String(key.Material), Convert.ToHexString(key.Material), Convert.ToHexStringLower(key.Material)];
        byte[] sealedBytes = ChunkCipher.Seal(key, Data(40), Aad);
        sealedBytes[^1] ^= 1;
        var e = Assert.Throws<ChunkDecryptionException>(() => ChunkCipher.Open(_ring, sealedBytes, Aad));

        foreach (string text in new[] { e.ToString(), key.ToString(), _ring.ToString(), key.Wrap(key).ToString() })
            foreach (string form in forms)
                Assert.DoesNotContain(form, text);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("slash/inside")]
    [InlineData("ünïcode")]
    public void Seal_InvalidKeyId_IsRefusedWhenTheKeyIsMade(string id) =>
        Assert.Throws<ArgumentException>(() => DataKey.Generate(id));
}
