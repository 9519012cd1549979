using System.Text.Json;
using System.Text.RegularExpressions;

namespace EdgeRig.Privacy.Tests;

public sealed class KeyRingTests : IDisposable
{
    private const string Aad = "s1/cam0/0";
    private const UnixFileMode Mode0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Open_CreateIfMissing_WritesOneKeyMode0600()
    {
        string path = _dir.File("keys/data.keys");
        var now = new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);

        using var ring = KeyRing.Open(path, createIfMissing: true, new FixedTime(now));

        Assert.Equal(Mode0600, File.GetUnixFileMode(path));
        Assert.Matches(new Regex("^k-20261127-[0-9a-f]{4}$"), ring.Current.Id);
        Assert.Equal(now, ring.Current.Created);
        string[] lines = File.ReadAllLines(path);
        var line = Assert.Single(lines);
        using var json = JsonDocument.Parse(line);
        Assert.Equal(ring.Current.Id, json.RootElement.GetProperty("id").GetString());
        Assert.Equal(now, json.RootElement.GetProperty("created").GetDateTimeOffset());
        Assert.Equal(ring.Current.Material.ToArray(), json.RootElement.GetProperty("key").GetBytesFromBase64());
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void Open_Existing_SameKeysOpenTheSameData()
    {
        string path = _dir.File("data.keys");
        byte[] sealedBytes;
        using (var first = KeyRing.Open(path, createIfMissing: true)) sealedBytes = ChunkCipher.Seal(first.Current, "hello"u8, Aad);

        using var again = KeyRing.Open(path, createIfMissing: false);

        Assert.Equal("hello"u8.ToArray(), ChunkCipher.Open(again, sealedBytes, Aad));
    }

    [Fact]
    public void Open_MissingWithoutCreate_ThrowsFileNotFoundNamingIt()
    {
        string path = _dir.File("none.keys");

        var e = Assert.Throws<FileNotFoundException>(() => KeyRing.Open(path, createIfMissing: false));

        Assert.Contains(path, e.Message);
        Assert.False(File.Exists(path));
    }

    [Theory]
    [InlineData("0644")]
    [InlineData("0640")]
    [InlineData("0604")]
    [InlineData("0660")]
    [InlineData("0666")]
    [InlineData("0602")]
    public void Open_ModeNot0600_RefusedNamingFileAndMode(string mode)
    {
        string path = _dir.File("data.keys");
        using (KeyRing.Open(path, createIfMissing: true)) { }
        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32(mode, 8));

        var e = Assert.Throws<KeyFileException>(() => KeyRing.Open(path, createIfMissing: false));

        Assert.Contains(path, e.Message);
        Assert.Contains(mode, e.Message);
        Assert.Equal(path, e.Path);
    }

    [Theory]
    [InlineData("0600")]
    [InlineData("0400")]
    [InlineData("0700")]
    public void Open_OwnerOnlyMode_Accepted(string mode)
    {
        string path = _dir.File("data.keys");
        using (KeyRing.Open(path, createIfMissing: true)) { }
        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32(mode, 8));

        using var ring = KeyRing.Open(path, createIfMissing: false);

        Assert.Single(ring.KeyIds);
    }

    [Fact]
    public void CheckAccess_OwnedByAnotherUser_RefusedNamingFileAndOwner()
    {
        string path = _dir.File("data.keys");
        using (KeyRing.Open(path, createIfMissing: true)) { }
        uint me = KeyFileNative.EffectiveUid();

        KeyFile.CheckAccess(path, me); // the owner passes
        var e = Assert.Throws<KeyFileException>(() => KeyFile.CheckAccess(path, me + 1));

        Assert.Contains(path, e.Message);
        Assert.Contains($"uid {me}", e.Message);
    }

    [Fact]
    public void Rotate_NewCurrentKey_OldDataStillOpens()
    {
        string path = _dir.File("data.keys");
        using var ring = KeyRing.Open(path, createIfMissing: true);
        var old = ring.Current;
        byte[] oldChunk = ChunkCipher.Seal(old, "old"u8, Aad);

        var rotated = ring.Rotate();

        Assert.Same(rotated, ring.Current);
        Assert.NotEqual(old.Id, rotated.Id);
        Assert.Equal([old.Id, rotated.Id], ring.KeyIds);
        Assert.Equal("old"u8.ToArray(), ChunkCipher.Open(ring, oldChunk, Aad));
        Assert.Equal(Mode0600, File.GetUnixFileMode(path));
        using var reopened = KeyRing.Open(path, createIfMissing: false);
        Assert.Equal(rotated.Id, reopened.Current.Id);
        Assert.Equal("old"u8.ToArray(), ChunkCipher.Open(reopened, oldChunk, Aad));
        Assert.Equal("new"u8.ToArray(), ChunkCipher.Open(reopened, ChunkCipher.Seal(ring.Current, "new"u8, Aad), Aad));
    }

    [Fact]
    public void Rotate_TwoRingsOnOneFile_KeepEachOthersKeys()
    {
        string path = _dir.File("data.keys");
        using var a = KeyRing.Open(path, createIfMissing: true);
        using var b = KeyRing.Open(path, createIfMissing: false);

        var fromA = a.Rotate();
        var fromB = b.Rotate();

        using var reopened = KeyRing.Open(path, createIfMissing: false);
        Assert.Equal(3, reopened.KeyIds.Count);
        Assert.Contains(fromA.Id, reopened.KeyIds);
        Assert.Equal(fromB.Id, reopened.Current.Id);
    }

    [Fact]
    public void Get_UnknownId_ThrowsKeyNotFoundNamingIt()
    {
        using var ring = KeyRing.Open(_dir.File("data.keys"), createIfMissing: true);

        var e = Assert.Throws<KeyNotFoundException>(() => ring.Get("k-20000101-0000"));

        Assert.Contains("k-20000101-0000", e.Message);
        Assert.Same(ring.Current, ring.Get(ring.Current.Id));
    }

    public static TheoryData<string, string, string> BadKeyFiles() => new()
    {
        { "empty", "", "holds no key" },
        { "not json", "id=k-1 key=abc\n", "line 1" },
        { "no key", "{\"id\":\"k-1\"}\n", "line 1" },
        { "short key", "{\"id\":\"k-1\",\"key\":\"" + Convert.ToBase64String(new byte[16]) + "\"}\n", "not 32 bytes" },
        { "not base64", "{\"id\":\"k-1\",\"key\":\"!!!!\"}\n", "not base64" },
        { "bad id", "{\"id\":\"k 1\",\"key\":\"" + Convert.ToBase64String(new byte[32]) + "\"}\n", "line 1" },
        { "duplicate", "{\"id\":\"k-1\",\"key\":\"" + Convert.ToBase64String(new byte[32]) + "\"}\n\n{\"id\":\"k-1\",\"key\":\"" + Convert.ToBase64String(new byte[32]) + "\"}\n", "line 3" },
    };

    [Theory]
    [MemberData(nameof(BadKeyFiles))]
    public void Open_NotAKeyFile_ThrowsNamingFileAndLine(string what, string content, string expected)
    {
        string path = _dir.File("data.keys");
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, Mode0600);

        var e = Assert.Throws<KeyFileException>(() => KeyRing.Open(path, createIfMissing: true));

        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
        Assert.Null(e.InnerException);
        Assert.NotNull(what);
    }

    [Fact]
    public void Open_KeyFileWithExtraFieldsAndEscapes_Reads()
    {
        string path = _dir.File("data.keys");
        byte[] key = Enumerable.Range(0, 32).Select(i => (byte)(i * 9 + 251)).ToArray(); // base64 with '+' and '/'
        string escaped = Convert.ToBase64String(key).Replace("+", "\\u002B").Replace("/", "\\/");
        File.WriteAllText(path, $"{{\"id\":\"k-old\",\"note\":{{\"x\":[1,2]}},\"key\":\"{escaped}\"}}\r\n");
        File.SetUnixFileMode(path, Mode0600);

        using var ring = KeyRing.Open(path, createIfMissing: false);

        Assert.Equal("k-old", ring.Current.Id);
        Assert.Equal(key, ring.Current.Material.ToArray());
        Assert.Null(ring.Current.Created);
    }

    [Fact]
    public void Dispose_ZeroesKeys_SealingThenFails()
    {
        var ring = KeyRing.Open(_dir.File("data.keys"), createIfMissing: true);
        var key = ring.Current;

        ring.Dispose();

        Assert.Throws<ObjectDisposedException>(() => ChunkCipher.Seal(key, "x"u8, Aad));
    }
}
