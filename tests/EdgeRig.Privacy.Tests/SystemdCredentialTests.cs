namespace EdgeRig.Privacy.Tests;

[CollectionDefinition(nameof(CredentialsDirectoryCollection), DisableParallelization = true)]
public sealed class CredentialsDirectoryCollection;

/// <summary>These tests set the process-wide CREDENTIALS_DIRECTORY, so they run alone and restore it.</summary>
[Collection(nameof(CredentialsDirectoryCollection))]
public sealed class SystemdCredentialTests : IDisposable
{
    private const string Variable = "CREDENTIALS_DIRECTORY", Aad = "s/cam0/1";
    private readonly string? _saved = Environment.GetEnvironmentVariable(Variable);
    private readonly TempDirectory _dir = new();

    public SystemdCredentialTests() => Environment.SetEnvironmentVariable(Variable, _dir.Path);

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(Variable, _saved);
        _dir.Dispose();
    }

    [Fact]
    public void FromSystemdCredential_KeyFileLines_OpensDataOfThatFile()
    {
        string keyFile = _dir.File("made.keys");
        byte[] chunk;
        using (var ring = KeyRing.Open(keyFile, createIfMissing: true))
        {
            ring.Rotate();
            chunk = ChunkCipher.Seal(ring.Current, "frame"u8, Aad);
        }
        File.Copy(keyFile, _dir.File("edgerig-data-key"));

        using var fromCredential = KeyRing.FromSystemdCredential(KeyRing.DefaultCredentialName);

        Assert.Equal(2, fromCredential.KeyIds.Count);
        Assert.Equal("frame"u8.ToArray(), ChunkCipher.Open(fromCredential, chunk, Aad));
        Assert.Contains("edgerig-data-key", fromCredential.Source);
    }

    [Fact]
    public void FromSystemdCredential_BareBase64Key_GetsAStableDerivedId()
    {
        byte[] key = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        File.WriteAllText(_dir.File("k"), Convert.ToBase64String(key) + "\n");

        using var first = KeyRing.FromSystemdCredential("k");
        using var second = KeyRing.FromSystemdCredential("k");

        Assert.Matches("^c-[0-9a-f]{8}$", first.Current.Id);
        Assert.Equal(first.Current.Id, second.Current.Id);
        Assert.Equal(key, first.Current.Material.ToArray());
        Assert.Equal("x"u8.ToArray(), ChunkCipher.Open(second, ChunkCipher.Seal(first.Current, "x"u8, Aad), Aad));
        File.WriteAllText(_dir.File("k"), Convert.ToBase64String(key.Reverse().ToArray()));
        using var replaced = KeyRing.FromSystemdCredential("k");
        Assert.NotEqual(first.Current.Id, replaced.Current.Id);
    }

    [Fact]
    public void FromSystemdCredential_DirectoryUnset_ThrowsNamingTheVariable()
    {
        Environment.SetEnvironmentVariable(Variable, null);

        var e = Assert.Throws<InvalidOperationException>(() => KeyRing.FromSystemdCredential("edgerig-data-key"));

        Assert.Contains(Variable, e.Message);
        Assert.Contains("edgerig-data-key", e.Message);
    }

    [Fact]
    public void FromSystemdCredential_Missing_ThrowsFileNotFoundNamingIt()
    {
        var e = Assert.Throws<FileNotFoundException>(() => KeyRing.FromSystemdCredential("edgerig-data-key"));

        Assert.Contains("edgerig-data-key", e.Message);
        Assert.Contains(_dir.Path, e.Message);
    }

    [Fact]
    public void FromSystemdCredential_Garbage_ThrowsKeyFile()
    {
        File.WriteAllText(_dir.File("k"), "not a key");

        var e = Assert.Throws<KeyFileException>(() => KeyRing.FromSystemdCredential("k"));

        Assert.Contains("'k'", e.Message);
    }

    [Fact]
    public void Rotate_CredentialRing_IsRefused()
    {
        File.WriteAllText(_dir.File("k"), Convert.ToBase64String(new byte[32]));
        using var ring = KeyRing.FromSystemdCredential("k");

        Assert.Throws<InvalidOperationException>(() => ring.Rotate());
    }
}
