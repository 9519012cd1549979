using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeRig.Upload.Tests;

/// <summary>upload.caFile: the endpoint's certificate must chain to the file's CA and name the host; nothing else is trusted.</summary>
public sealed class PrivateCaTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("edgerig-ca-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static X509Certificate2 Ca(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    private static X509Certificate2 Leaf(X509Certificate2 issuer, string host)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={host}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(host);
        request.CertificateExtensions.Add(san.Build());
        return request.Create(issuer, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10), RandomNumberGenerator.GetBytes(8));
    }

    private string Pem(X509Certificate2 cert)
    {
        string file = Path.Combine(dir, Guid.NewGuid().ToString("N") + ".pem");
        File.WriteAllText(file, cert.ExportCertificatePem());
        return file;
    }

    [Fact]
    public void ServerCertificate_SignedByTheFilesCa_IsTrusted_OthersAreNot()
    {
        using var lab = Ca("lab CA");
        using var other = Ca("someone else");
        using var good = Leaf(lab, "rgw.lab.example");
        using var forged = Leaf(other, "rgw.lab.example");
        var factory = new PrivateCaHttpClientFactory(Pem(lab));

        // the system store knows neither CA: the platform reports a chain error, the factory decides by the file
        Assert.True(factory.Trusted(good, null, SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.False(factory.Trusted(forged, null, SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.False(factory.Trusted(good, null, SslPolicyErrors.RemoteCertificateChainErrors | SslPolicyErrors.RemoteCertificateNameMismatch));
        Assert.False(factory.Trusted(null, null, SslPolicyErrors.RemoteCertificateNotAvailable));
    }

    [Fact]
    public void CaFile_MissingOrNotPem_IsRefusedNamingTheField()
    {
        var missing = Assert.Throws<UploadSettingsException>(() => new PrivateCaHttpClientFactory(Path.Combine(dir, "nope.pem")));
        Assert.Equal("upload.caFile", missing.Field);
        string junk = Path.Combine(dir, "junk.pem");
        File.WriteAllText(junk, "not a certificate");
        var notPem = Assert.Throws<UploadSettingsException>(() => new PrivateCaHttpClientFactory(junk));
        Assert.Contains("no PEM certificate", notPem.Message);
    }

    [Fact]
    public void CaFile_WithPlainHttpEndpoint_IsRefused()
    {
        var options = new UploadOptions { Endpoint = new Uri("http://127.0.0.1:9000"), Bucket = "edgerig", Rig = "rig-a", CaFile = "/etc/ca.pem" };
        var e = Assert.Throws<UploadSettingsException>(() => options.Validate());
        Assert.Equal("upload.caFile", e.Field);
    }
}
