using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace EdgeRig.Service.Security;

/// <summary>One address to listen on: TLS, or plaintext on loopback only (development mode).</summary>
public sealed record ListenAddress(IPAddress? Address, bool Localhost, int Port, bool Tls);

/// <summary>Thrown when the service would listen beyond loopback without TLS, or an address cannot be bound.</summary>
public sealed class UnsafeListenException(string message) : Exception(message);

/// <summary>
/// Turns --urls into listen addresses with the security rule: https anywhere; http only on loopback
/// (127.0.0.1, ::1, localhost) as a development mode that says so.
/// </summary>
public static class ListenPlan
{
    /// <summary>Binds the addresses on Kestrel: TLS ones with the rig's certificate and HTTP/1.1 + HTTP/2 (ALPN), plaintext ones with <paramref name="plaintext"/>.</summary>
    public static void Bind(KestrelServerOptions kestrel, IEnumerable<ListenAddress> addresses, X509Certificate2? certificate, HttpProtocols plaintext)
    {
        foreach (var l in addresses)
        {
            void Configure(ListenOptions o)
            {
                o.Protocols = l.Tls ? HttpProtocols.Http1AndHttp2 : plaintext;
                if (l.Tls) o.UseHttps(certificate ?? throw new InvalidOperationException("a TLS address needs the rig's certificate"));
            }
            if (l.Localhost) kestrel.ListenLocalhost(l.Port, Configure);
            else kestrel.Listen(l.Address!, l.Port, Configure);
        }
    }

    /// <summary>Configuration sections through which Kestrel would bind (or dress) listeners of its own, outside this plan.</summary>
    private static readonly string[] KestrelSections = ["Kestrel:Endpoints", "Kestrel:EndpointDefaults", "Kestrel:Certificates"];

    /// <summary>Host settings that add listeners outside this plan (ports on every interface) or let them win over it.</summary>
    private static readonly string[] HostKeys = ["http_ports", "https_ports", "preferHostingUrls"];

    /// <summary>
    /// Only <see cref="Bind"/> may open listeners: refuses configuration (command line, environment, appsettings) that would
    /// make Kestrel or the host open others, e.g. <c>--Kestrel:Endpoints:X:Url http://0.0.0.0:1</c> or <c>HTTP_PORTS</c>,
    /// since those would bypass the TLS rule. The message names the setting and its environment-variable spelling.
    /// </summary>
    /// <exception cref="UnsafeListenException">such a setting is present.</exception>
    public static void RefuseOtherListeners(IConfiguration configuration)
    {
        foreach (string section in KestrelSections)
            foreach (var (key, value) in configuration.GetSection(section).AsEnumerable())
                if (value is not null) throw Refusal(key, key.Replace(":", "__"));
        foreach (string key in HostKeys)
            if (configuration[key] is { Length: > 0 })
                throw Refusal(key, $"{key.ToUpperInvariant()}, ASPNETCORE_{key.ToUpperInvariant()} or DOTNET_{key.ToUpperInvariant()}");
    }

    // the value is not echoed: it may be a certificate password
    private static UnsafeListenException Refusal(string key, string environment) => new(
        $"setting '{Core.TerminalText.Escape(key)}' ({Core.TerminalText.Escape(environment)} in the environment) would open or change a listener " +
        "outside --urls and --dashboard-urls, bypassing their rule (TLS beyond loopback); remove it and give the address with --urls");

    public static IReadOnlyList<ListenAddress> Parse(string urls)
    {
        var result = new List<ListenAddress>();
        foreach (var raw in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string normalized = raw.Replace("://*:", "://0.0.0.0:").Replace("://+:", "://0.0.0.0:");
            if (!Uri.TryCreate(normalized, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                throw new UnsafeListenException($"--urls: '{raw}' is not an http:// or https:// address");
            bool tls = uri.Scheme == "https";
            bool localhost = uri.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase);
            IPAddress? ip = null;
            if (!localhost && !IPAddress.TryParse(uri.Host.Trim('[', ']'), out ip))
                throw new UnsafeListenException($"--urls: '{raw}': give an IP address (or localhost), not the host name '{uri.Host}'");
            bool loopback = localhost || IPAddress.IsLoopback(ip!);
            if (!tls && !loopback)
                throw new UnsafeListenException($"--urls: '{raw}' listens beyond loopback without TLS; use {raw.Replace("http://", "https://")} (a self-signed certificate is made on first start)");
            result.Add(new ListenAddress(ip, localhost, uri.Port, tls));
        }
        if (result.Count == 0) throw new UnsafeListenException("--urls: no address given");
        return result;
    }
}
