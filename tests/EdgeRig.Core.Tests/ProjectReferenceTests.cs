using System.Xml.Linq;

namespace EdgeRig.Core.Tests;

/// <summary>
/// Dependencies point one way: every ProjectReference of every src/*/*.csproj is one DESIGN.md's "May depend on" column
/// allows (docs/architecture.md draws the same graph).
/// </summary>
public sealed class ProjectReferenceTests
{
    /// <summary>DESIGN's order, lowest first. Formats (chunk format, pulled-session folder) and Imaging (JPEG through
    /// libjpeg-turbo, pixel buffers) sit just above Core; Privacy
    /// (redaction, chunk encryption) is a library beside Export, Calibration and Quality; Api is the generated protos; Upload
    /// (sessions to S3-compatible object storage) sits just below Service, whose upload queue calls it.</summary>
    private static readonly string[] Layers =
    [
        "EdgeRig.Core", "EdgeRig.Formats", "EdgeRig.Imaging", "EdgeRig.Timing", "EdgeRig.Devices", "EdgeRig.Recording", "EdgeRig.Storage",
        "EdgeRig.Export", "EdgeRig.Calibration", "EdgeRig.Quality", "EdgeRig.Privacy", "EdgeRig.Vision", "EdgeRig.Api", "EdgeRig.Upload", "EdgeRig.Service", "EdgeRig.Cli",
    ];

    private static readonly string[] Base = ["EdgeRig.Core", "EdgeRig.Formats"];

    /// <summary>What the projects that handle camera frames may use (the CLI does not: it decodes no images).</summary>
    private static readonly string[] WithImages = [.. Base, "EdgeRig.Imaging"];

    /// <summary>DESIGN's "May depend on" column, projects only (packages are not checked here).</summary>
    private static readonly Dictionary<string, string[]> MayDependOn = new()
    {
        ["EdgeRig.Core"] = [], // BCL only
        ["EdgeRig.Formats"] = ["EdgeRig.Core"],
        ["EdgeRig.Imaging"] = ["EdgeRig.Core"],
        ["EdgeRig.Timing"] = Base,
        ["EdgeRig.Devices"] = [.. WithImages, "EdgeRig.Timing"],
        ["EdgeRig.Recording"] = [.. Base, "EdgeRig.Timing"],
        ["EdgeRig.Storage"] = Base,
        ["EdgeRig.Export"] = Base,
        ["EdgeRig.Calibration"] = WithImages,
        ["EdgeRig.Quality"] = WithImages,
        ["EdgeRig.Privacy"] = WithImages,
        // OpenCV's optical flow behind Calibration's ICameraYawRate, kept out of Calibration so the CLI carries no OpenCV
        ["EdgeRig.Vision"] = [.. WithImages, "EdgeRig.Calibration"],
        ["EdgeRig.Api"] = [], // protos only
        // pulled-session folders and exports to S3 (AWSSDK.S3); the service's upload queue decides what and when
        ["EdgeRig.Upload"] = Base,
        ["EdgeRig.Service"] = Layers[..Array.IndexOf(Layers, "EdgeRig.Service")], // the composition root: everything above
        // a gRPC client (protos) plus offline tools over pulled sessions (#15: no OpenCV, no LiteDB, never the store), and the
        // fleet view straight from the bucket the rigs upload to (#17: Upload's reader; AWSSDK.S3 only)
        ["EdgeRig.Cli"] = [.. Base, "EdgeRig.Api", "EdgeRig.Export", "EdgeRig.Calibration", "EdgeRig.Upload"],
    };

    /// <summary>Arrows that break the table today, each to be deleted when its fix is merged.</summary>
    private static readonly HashSet<(string From, string To)> KnownViolations =
    [
    ];

    private static string SrcDirectory => Path.Combine(RigProfileTests.RepoRoot(), "src");

    /// <summary>Each src project's name and the names of the projects it references.</summary>
    private static Dictionary<string, List<string>> ReadReferences() =>
        Directory.GetDirectories(SrcDirectory)
            .SelectMany(dir => Directory.GetFiles(dir, "*.csproj"))
            .ToDictionary(csproj => Path.GetFileNameWithoutExtension(csproj), csproj => XDocument.Load(csproj).Descendants("ProjectReference")
                .Select(r => Path.GetFileNameWithoutExtension(((string?)r.Attribute("Include") ?? "").Replace('\\', '/')))
                .ToList());

    /// <summary>The references the table does not allow, as "From -> To".</summary>
    private static List<string> Violations(IReadOnlyDictionary<string, List<string>> references) =>
        references.SelectMany(p => p.Value
                .Where(to => !(MayDependOn.TryGetValue(p.Key, out var allowed) && allowed.Contains(to)))
                .Where(to => !KnownViolations.Contains((p.Key, to)))
                .Select(to => $"{p.Key} -> {to}"))
            .ToList();

    [Fact]
    public void EverySrcProject_IsPlacedInTheTable()
    {
        var projects = ReadReferences().Keys.Order().ToList();
        Assert.Equal(16, projects.Count);
        Assert.Equal(Layers.Order(), projects);
        Assert.Equal(Layers.Order(), MayDependOn.Keys.Order());
    }

    [Fact]
    public void ProjectReferences_AllAllowedByDesign()
    {
        var references = ReadReferences();
        Assert.Contains("EdgeRig.Core", references["EdgeRig.Timing"]); // the parse found references: the check below looked at something
        Assert.Empty(Violations(references));
    }

    [Fact]
    public void Table_EveryAllowedArrowPointsDown()
    {
        foreach (var (from, allowed) in MayDependOn)
            Assert.All(allowed, to => Assert.True(Array.IndexOf(Layers, to) < Array.IndexOf(Layers, from), $"{from} -> {to} points up"));
    }

    [Theory]
    [InlineData("EdgeRig.Core", "EdgeRig.Timing")]         // the base depending on a layer above
    [InlineData("EdgeRig.Recording", "EdgeRig.Storage")]   // a layer using another's implementation
    [InlineData("EdgeRig.Calibration", "EdgeRig.Service")] // a library depending on the host
    [InlineData("EdgeRig.Cli", "EdgeRig.Storage")]         // the CLI opening the store itself
    [InlineData("EdgeRig.Export", "EdgeRig.Calibration")]
    public void Violations_AnArrowBackUp_IsReported(string from, string to)
    {
        var references = ReadReferences();
        references[from] = [.. references[from], to];
        Assert.Equal($"{from} -> {to}", Assert.Single(Violations(references)));
    }

    /// <summary>The CLI is a gRPC client plus offline tools (#15, #16): nothing it is built from may bring OpenCV (native, x64
    /// only on NuGet) or LiteDB (the store is the service's).</summary>
    [Fact]
    public void Cli_BuiltFromNoProjectCarryingOpenCvOrLiteDb()
    {
        var references = ReadReferences();
        var reached = new HashSet<string>();
        var pending = new Stack<string>(["EdgeRig.Cli"]);
        while (pending.TryPop(out var project))
            if (reached.Add(project))
                foreach (var next in references[project]) pending.Push(next);
        Assert.Contains("EdgeRig.Calibration", reached);
        var packages = reached.SelectMany(project => XDocument.Load(Path.Combine(SrcDirectory, project, project + ".csproj")).Descendants("PackageReference")
            .Select(r => $"{project}: {(string?)r.Attribute("Include")}")).ToList();
        Assert.Contains(packages, p => p.EndsWith("System.CommandLine", StringComparison.Ordinal)); // the package parse saw something
        Assert.DoesNotContain(packages, p => p.Contains("OpenCvSharp", StringComparison.Ordinal) || p.Contains("LiteDB", StringComparison.Ordinal));
    }
}
