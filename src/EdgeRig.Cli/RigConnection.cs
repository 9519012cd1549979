using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;

namespace EdgeRig.Cli;

/// <summary>What `edgerig login` remembers (~/.config/edgerig/config.json, mode 0600).</summary>
public sealed record LoginConfig(string Url, string Token, string? FingerprintSha256, string? CaFile)
{
    public static string DefaultPath =>
        Path.Combine(Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } x ? x
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config"), "edgerig", "config.json");

    public static LoginConfig? Load(string path) =>
        File.Exists(path) ? JsonSerializer.Deserialize<LoginConfig>(File.ReadAllText(path), Json) : null;

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var f = new FileStream(path, options))
            JsonSerializer.Serialize(f, this, Json);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite); // the token is a secret
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}

/// <summary>
/// How the CLI reaches a rig: the URL (--url, $EDGERIG_URL, login, default), the token (--token, $EDGERIG_TOKEN,
/// $EDGERIG_TOKEN_FILE, login) and, over https, the certificate check: a pinned SHA-256 fingerprint (--fingerprint or
/// login) or a CA file; without either the system trust store decides. A token is never sent in plaintext beyond loopback.
/// </summary>
public sealed record RigConnection(string Url, string? Token, string? FingerprintSha256, string? CaFile)
{
    public static RigConnection Resolve(string? url, string? token, string? fingerprint, string? caFile)
    {
        var login = LoginConfig.Load(Environment.GetEnvironmentVariable("EDGERIG_CONFIG") ?? LoginConfig.DefaultPath);
        string resolvedUrl = url ?? Env("EDGERIG_URL") ?? login?.Url ?? EdgeRigCli.DefaultUrl;
        bool sameRigAsLogin = login is not null && string.Equals(login.Url, resolvedUrl, StringComparison.OrdinalIgnoreCase);
        string? resolvedToken = token ?? Env("EDGERIG_TOKEN") ?? ReadTokenFile(Env("EDGERIG_TOKEN_FILE")) ?? (sameRigAsLogin ? login!.Token : null);
        return new RigConnection(resolvedUrl, resolvedToken,
            fingerprint ?? (sameRigAsLogin ? login!.FingerprintSha256 : null), caFile ?? (sameRigAsLogin ? login!.CaFile : null));
    }

    public GrpcChannel Open()
    {
        var uri = new Uri(Url);
        bool tls = uri.Scheme == Uri.UriSchemeHttps;
        if (!tls && Token is not null && !IsLoopback(uri))
            throw new ArgumentException($"refusing to send a token in plaintext to {uri.Host}: use an https:// URL");
        // a large HTTP/2 receive window: pulls stream megabytes per chunk and the default window throttles them
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, InitialHttp2StreamWindowSize = 16 * 1024 * 1024 };
        if (tls && (FingerprintSha256 is not null || CaFile is not null))
            handler.SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = CheckCertificate };
        var options = new GrpcChannelOptions { HttpHandler = handler, MaxReceiveMessageSize = 16 * 1024 * 1024 };
        if (Token is { } token)
        {
            options.Credentials = ChannelCredentials.Create(tls ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure,
                CallCredentials.FromInterceptor((_, metadata) => { metadata.Add("authorization", "Bearer " + token); return Task.CompletedTask; }));
            options.UnsafeUseInsecureChannelCallCredentials = !tls; // loopback development mode only (checked above)
        }
        return GrpcChannel.ForAddress(uri, options);
    }

    /// <summary>SHA-256 of a certificate's DER bytes, as lowercase hex.</summary>
    public static string Fingerprint(X509Certificate certificate) => Convert.ToHexStringLower(SHA256.HashData(certificate.GetRawCertData()));

    private bool CheckCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null) return false;
        if (FingerprintSha256 is { } pinned)
            return string.Equals(Fingerprint(certificate), Normalize(pinned), StringComparison.Ordinal);
        using var ca = X509CertificateLoader.LoadCertificateFromFile(CaFile!);
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.Add(ca);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return custom.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }

    public static string Normalize(string fingerprint) => fingerprint.Replace(":", "").Replace(" ", "").ToLowerInvariant();

    private static bool IsLoopback(Uri uri) => uri.IsLoopback || uri.Host is "127.0.0.1" or "::1" or "[::1]" or "localhost";

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;

    private static string? ReadTokenFile(string? path) => path is not null && File.Exists(path) ? File.ReadAllText(path).Trim() : null;
}
