using System.Text.Json;

namespace EdgeRig.Service.Dashboard;

/// <summary>
/// Finds the dashboard's static files: wwwroot next to the binaries when published; in a build tree (no copy is made
/// on build), the source wwwroot named by the static web assets manifest, else found above the binaries.
/// </summary>
public static class WebRootLocator
{
    public static string? Find()
    {
        string binaries = AppContext.BaseDirectory;
        string published = Path.Combine(binaries, "wwwroot");
        if (Directory.Exists(published)) return published;
        string serviceDir = Path.GetDirectoryName(typeof(WebRootLocator).Assembly.Location) ?? binaries;
        string manifest = Path.Combine(serviceDir, "edgerig-service.staticwebassets.runtime.json");
        if (File.Exists(manifest))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(manifest));
            if (doc.RootElement.TryGetProperty("ContentRoots", out var roots) && roots.GetArrayLength() > 0
                && roots[0].GetString() is { } root && Directory.Exists(root))
                return root;
        }
        for (var d = new DirectoryInfo(binaries); d is not null; d = d.Parent)
        {
            string source = Path.Combine(d.FullName, "src", "EdgeRig.Service", "wwwroot");
            if (Directory.Exists(source)) return source;
        }
        return null;
    }
}
