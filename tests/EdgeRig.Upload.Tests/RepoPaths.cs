namespace EdgeRig.Upload.Tests;

/// <summary>The repository root (the folder holding EdgeRig.sln), found from the test binaries upwards.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "EdgeRig.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"no EdgeRig.sln above {AppContext.BaseDirectory}");
    }
}
