namespace EdgeRig.Upload.Tests;

/// <summary>Settings that cannot work are refused naming the field or file: credentials others can read, http off loopback, bad names.</summary>
public sealed class UploadSettingsTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("edgerig-creds-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string WriteCredentials(UnixFileMode mode, string text = "[default]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = s3cr3t/KEY\n")
    {
        string path = Path.Combine(dir, "s3-credentials");
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, mode);
        return path;
    }

    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public void CredentialsFile_Mode0600_ReadsTheProfileAndHidesTheSecret()
    {
        var creds = S3CredentialsFile.Read(WriteCredentials(Private));

        Assert.Equal(("AKIDEXAMPLE", "s3cr3t/KEY"), (creds.AccessKeyId, creds.SecretAccessKey));
        Assert.DoesNotContain("s3cr3t", creds.ToString());
    }

    [Theory]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, "0644")]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, "0640")]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherWrite, "0602")]
    public void CredentialsFile_ReadableByOthers_IsRefusedNamingTheFileAndMode(UnixFileMode mode, string octal)
    {
        string path = WriteCredentials(mode);

        var e = Assert.Throws<UploadSettingsException>(() => S3CredentialsFile.Read(path));

        Assert.Equal("upload.credentialsFile", e.Field);
        Assert.Contains(path, e.Message);
        Assert.Contains(octal, e.Message);
        Assert.DoesNotContain("s3cr3t", e.Message);
    }

    [Fact]
    public void CredentialsFile_OtherProfile_ReadsThatOne()
    {
        string path = WriteCredentials(Private,
            "# comment\n[default]\naws_access_key_id=A\naws_secret_access_key=B\n\n[lab]\naws_access_key_id = C\naws_secret_access_key = D\n");

        Assert.Equal("C", S3CredentialsFile.Read(path, "lab").AccessKeyId);
        Assert.Contains("[ghost]", Assert.Throws<UploadSettingsException>(() => S3CredentialsFile.Read(path, "ghost")).Message);
    }

    [Fact]
    public void CredentialsFile_Missing_IsRefusedNamingIt()
    {
        string path = Path.Combine(dir, "none");
        Assert.Contains(path, Assert.Throws<UploadSettingsException>(() => S3CredentialsFile.Read(path)).Message);
    }

    [Fact]
    public void CredentialsFile_WithoutSecret_IsRefusedNamingTheKey() =>
        Assert.Contains("aws_secret_access_key", Assert.Throws<UploadSettingsException>(() =>
            S3CredentialsFile.Read(WriteCredentials(Private, "[default]\naws_access_key_id = A\n"))).Message);

    [Theory]
    [InlineData("http://10.0.0.5:7480")]
    [InlineData("http://s3.example")]
    [InlineData("http://192.168.1.20:9000")]
    public void Endpoint_PlainHttpOffLoopback_IsRefusedNamingTheField(string endpoint)
    {
        var e = Assert.Throws<UploadSettingsException>(() => UploadEndpoint.Parse(endpoint));

        Assert.Equal("upload.endpoint", e.Field);
        Assert.StartsWith("upload.endpoint: plain http", e.Message);
        var options = new UploadOptions { Endpoint = new Uri(endpoint), Bucket = "edgerig", Rig = "rig-a" };
        Assert.Equal("upload.endpoint", Assert.Throws<UploadSettingsException>(() => new SessionUploader(new NoTarget(), options)).Field);
    }

    [Theory]
    [InlineData("http://127.0.0.1:7480")]
    [InlineData("http://localhost:9000")]
    [InlineData("http://[::1]:9000")]
    [InlineData("https://s3.example:443")]
    [InlineData("https://10.0.0.5")]
    public void Endpoint_HttpsOrLoopback_IsAccepted(string endpoint) => Assert.Equal(new Uri(endpoint), UploadEndpoint.Parse(endpoint));

    [Theory]
    [InlineData("ftp://s3.example", "upload.endpoint")]
    [InlineData("https://s3.example/edgerig", "upload.endpoint")]
    public void Endpoint_NotSchemeHostPort_IsRefused(string endpoint, string field) =>
        Assert.Equal(field, Assert.Throws<UploadSettingsException>(() => UploadEndpoint.Parse(endpoint)).Field);

    [Theory]
    [InlineData("Edge_Rig", "rig-a", "", "upload.bucket")]
    [InlineData("edgerig", "../x", "", "rig name")]
    [InlineData("edgerig", "rig-a", "lab/../x", "upload.prefix")]
    public void Options_BadNames_AreRefusedNamingTheField(string bucket, string rig, string prefix, string field)
    {
        var options = new UploadOptions { Endpoint = new Uri("https://s3.example"), Bucket = bucket, Rig = rig, Prefix = prefix };
        Assert.Equal(field, Assert.Throws<UploadSettingsException>(() => options.Validate()).Field);
    }

    [Fact]
    public void Layout_SessionKeys_FollowPrefixRigSession()
    {
        var layout = new ObjectLayout("lab-a", "rig-a", "S1");

        Assert.Equal("lab-a/rig-a/S1/chunks/cam0/000001.chunk", layout.Key("chunks/cam0/000001.chunk"));
        Assert.Equal("lab-a/rig-a/S1/manifest.json", layout.ManifestKey);
        Assert.Equal("rig-a/S1/S1.mcap", new ObjectLayout("", "rig-a", "S1").Key(ObjectLayout.McapName("S1")));
        Assert.Throws<UploadSettingsException>(() => layout.Key("chunks/../../other/x"));
    }

    /// <summary>A target never reached: the uploader must refuse the options before talking to anything.</summary>
    private sealed class NoTarget : IUploadTarget
    {
        public Task<RemoteObject?> HeadAsync(string key, CancellationToken ct) => throw new InvalidOperationException();
        public Task PutAsync(string key, Stream body, string contentMd5Base64, ObjectMetadata metadata, CancellationToken ct) => throw new InvalidOperationException();
        public Task DeleteAsync(string key, CancellationToken ct) => throw new InvalidOperationException();
        public Task<IReadOnlyList<string>> ListMultipartUploadsAsync(string key, CancellationToken ct) => throw new InvalidOperationException();
        public Task<string> StartMultipartAsync(string key, ObjectMetadata metadata, CancellationToken ct) => throw new InvalidOperationException();
        public Task<IReadOnlyList<RemotePart>> ListPartsAsync(string key, string uploadId, CancellationToken ct) => throw new InvalidOperationException();
        public Task<string> PutPartAsync(string key, string uploadId, int number, Stream body, string contentMd5Base64, CancellationToken ct) => throw new InvalidOperationException();
        public Task CompleteMultipartAsync(string key, string uploadId, IReadOnlyList<RemotePart> parts, CancellationToken ct) => throw new InvalidOperationException();
        public Task AbortMultipartAsync(string key, string uploadId, CancellationToken ct) => throw new InvalidOperationException();
    }
}
