using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Amazon.Runtime;

namespace EdgeRig.Upload;

/// <summary>
/// HTTP clients for an S3 endpoint whose certificate was signed by a private CA (<c>upload.caFile</c>): the server's chain
/// must end at one of the file's certificates (and the host name must match), never at a root of the system store, so a
/// rig pointed at the lab's Ceph trusts exactly that CA for its uploads.
/// </summary>
public sealed class PrivateCaHttpClientFactory : HttpClientFactory
{
    public const string Field = "upload.caFile";
    private readonly X509Certificate2Collection roots;

    /// <exception cref="UploadSettingsException">the file is missing or holds no PEM certificate.</exception>
    public PrivateCaHttpClientFactory(string caFile)
    {
        if (!File.Exists(caFile)) throw new UploadSettingsException(Field, $"{caFile} does not exist");
        roots = [];
        try
        {
            roots.ImportFromPemFile(caFile);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new UploadSettingsException(Field, $"{caFile} is not a PEM certificate file: {e.Message}");
        }
        if (roots.Count == 0) throw new UploadSettingsException(Field, $"{caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        CaFile = caFile;
    }

    public string CaFile { get; }

    public override HttpClient CreateHttpClient(IClientConfig clientConfig)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, cert, chain, errors) => Trusted(cert, chain, errors) },
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        return new HttpClient(handler) { Timeout = clientConfig.Timeout ?? TimeSpan.FromMinutes(5) };
    }

    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => true;

    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

    public override string GetConfigUniqueString(IClientConfig clientConfig) => "edgerig-private-ca:" + CaFile;

    /// <summary>The certificate names the host and chains to one of the CA file's certificates.</summary>
    public bool Trusted(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0) return false; // no certificate, or a name mismatch
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck; // a private CA rarely publishes revocation lists
        if (presented is not null)
            foreach (var element in presented.ChainElements) chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }
}
