using System.Net;
using System.Net.NetworkInformation;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeRig.Service.Security;

/// <summary>
/// The rig's TLS certificate: self-signed (ECDSA P-256) and made on first start, kept as DATA/tls/rig.pfx with
/// mode 0600 (the directory 0700). Clients pin its SHA-256 fingerprint, shown in status and the log.
/// </summary>
public static class RigCertificate
{
    public static string PathFor(string dataDir) => System.IO.Path.Combine(dataDir, "tls", "rig.pfx");

    public static X509Certificate2 LoadOrCreate(string dataDir)
    {
        string path = PathFor(dataDir);
        if (File.Exists(path)) return X509CertificateLoader.LoadPkcs12FromFile(path, password: null);
        string dir = System.IO.Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string host = Dns.GetHostName();
        var request = new CertificateRequest($"CN=edgerig-{host}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(host);
        names.AddDnsName("localhost");
        foreach (var ip in LocalAddresses()) names.AddIpAddress(ip);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(10));
        byte[] pfx = certificate.Export(X509ContentType.Pfx);
        using (var f = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
        {
            f.Write(pfx);
            f.Flush(flushToDisk: true);
        }
        // clients pin its fingerprint: a power cut must not make the rig mint another
        Storage.Durability.DurableFs.SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        return X509CertificateLoader.LoadPkcs12(pfx, password: null);
    }

    /// <summary>SHA-256 of the certificate's DER bytes, lowercase hex (what `edgerig login --fingerprint` takes).</summary>
    public static string Fingerprint(X509Certificate2 certificate) => Convert.ToHexStringLower(SHA256.HashData(certificate.RawData));

    private static IEnumerable<IPAddress> LocalAddresses()
    {
        yield return IPAddress.Loopback;
        yield return IPAddress.IPv6Loopback;
        IEnumerable<IPAddress> found;
        try
        {
            found = NetworkInterface.GetAllNetworkInterfaces()
                .SelectMany(n => n.GetIPProperties().UnicastAddresses.Select(a => a.Address))
                .Where(a => !IPAddress.IsLoopback(a) && !a.IsIPv6LinkLocal).ToList();
        }
        catch (NetworkInformationException) { found = []; }
        foreach (var a in found) yield return a;
    }
}
