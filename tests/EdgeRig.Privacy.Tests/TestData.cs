using System.Runtime.CompilerServices;

namespace EdgeRig.Privacy.Tests;

/// <summary>Shared test photos (../shared/testdata beside the repo; see its README) and the Debian Haar cascades.</summary>
internal static class TestData
{
    public const string CascadeDirectory = "/usr/share/opencv4/haarcascades";

    /// <summary>messi5.jpg: one frontal face; the testdata README gives it at about x=227, y=94, 37×37.</summary>
    public static readonly OpenCvSharp.Rect MessiFace = new(227, 94, 37, 37);

    public static string Cascade(string name = "default") => Path.Combine(CascadeDirectory, $"haarcascade_frontalface_{name}.xml");

    public static byte[] Photo(string name) => File.ReadAllBytes(PhotoPath(name));

    public static string PhotoPath(string name) => Path.Combine(Directory(), name);

    private static string Directory([CallerFilePath] string source = "")
    {
        // from the binaries (the usual layout), else from this source file (binaries under an --artifacts-path outside the tree)
        string root = RepoRoot(AppContext.BaseDirectory) ?? RepoRoot(Path.GetDirectoryName(source)!)
            ?? throw new DirectoryNotFoundException($"EdgeRig.sln not found above {AppContext.BaseDirectory} or {source}");
        return Path.GetFullPath(Path.Combine(root, "..", "shared", "testdata"));
    }

    private static string? RepoRoot(string start)
    {
        for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "EdgeRig.sln"))) return d.FullName;
        return null;
    }
}
