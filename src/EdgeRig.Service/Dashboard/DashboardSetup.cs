using EdgeRig.Service.Security;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.FileProviders;

namespace EdgeRig.Service.Dashboard;

/// <summary>
/// Wires the phone dashboard into the host: its listener (--dashboard-urls, same TLS rule as --urls, HTTP/1.1 and
/// HTTP/2), its services, the static files in wwwroot and the JSON endpoints under /api plus /metrics.
/// </summary>
public static class DashboardSetup
{
    public const string DevDashboardUrl = "http://127.0.0.1:8080";

    /// <summary>
    /// The dashboard's own addresses: --dashboard-urls if given ("none" turns it off); otherwise none (with TLS the
    /// dashboard is served on the main listener), except that the default development setup (gRPC on
    /// http://127.0.0.1:50051) adds http://127.0.0.1:8080, since plaintext gRPC speaks HTTP/2 only.
    /// </summary>
    public static IReadOnlyList<ListenAddress> Plan(string? dashboardUrls, IReadOnlyList<ListenAddress> main)
    {
        if (dashboardUrls is { Length: > 0 })
            return dashboardUrls.Equals("none", StringComparison.OrdinalIgnoreCase) ? [] : ListenPlan.Parse(dashboardUrls);
        return main.SequenceEqual(ListenPlan.Parse(EdgeRigHost.DefaultUrl)) ? ListenPlan.Parse(DevDashboardUrl) : [];
    }

    public static void AddDashboard(this WebApplicationBuilder builder, IReadOnlyList<ListenAddress> main, string dataDir)
    {
        var own = Plan(builder.Configuration["dashboard-urls"], main);
        var certificate = own.Any(l => l.Tls) ? RigCertificate.LoadOrCreate(dataDir) : null;
        builder.WebHost.ConfigureKestrel(k => ListenPlan.Bind(k, own, certificate, HttpProtocols.Http1));
        builder.Services.AddSingleton<WriteRateMeter>();
        builder.Services.AddSingleton<DashboardStatus>();
        builder.Services.AddSingleton<PreviewRenderer>();
    }

    public static void MapDashboard(this WebApplication app)
    {
        if (WebRootLocator.Find() is { } root)
        {
            var files = new PhysicalFileProvider(root);
            app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
            app.UseStaticFiles(new StaticFileOptions
            {
                FileProvider = files,
                OnPrepareResponse = c => c.Context.Response.Headers.CacheControl = "no-cache",
            });
        }
        DashboardApi.Map(app);
        PreviewApi.Map(app);
        MetricsEndpoint.Map(app);
    }
}
