using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace EdgeRig.IntegrationTests;

/// <summary>The amd64 .deb from scripts/package, built once for these tests (the arm64 one is checked by scripts/test-arm64).</summary>
public sealed class PackageFixture : IAsyncLifetime
{
    public string Deb { get; private set; } = "";
    public string Extracted { get; } = Paths.TempDir("deb-x");
    public string Control { get; } = Paths.TempDir("deb-control");

    public async Task InitializeAsync()
    {
        var build = await ProcessRunner.RunAsync(Path.Combine(Paths.RepoRoot, "scripts", "package"), ["--arch", "amd64", "--quiet"], TimeSpan.FromMinutes(15));
        if (build.ExitCode != 0) throw new InvalidOperationException("scripts/package --arch amd64 failed: " + build.Stderr + build.Stdout);
        Deb = build.Stdout.Trim().Split('\n')[^1];
        await Run("dpkg-deb", "-x", Deb, Extracted);
        await Run("dpkg-deb", "-e", Deb, Control);
    }

    public static async Task<string> Run(string file, params string[] args)
    {
        var r = await ProcessRunner.RunAsync(file, args, TimeSpan.FromMinutes(5));
        if (r.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)}: exit {r.ExitCode}: {r.Stderr}");
        return r.Stdout;
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Extracted, recursive: true);
        Directory.Delete(Control, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>scripts/package's .deb: control fields, files, maintainer scripts, its units, and an install into a throw-away root.</summary>
public sealed class PackageTests(PackageFixture package) : IClassFixture<PackageFixture>
{
    private static string Repo(params string[] parts) => Path.Combine([Paths.RepoRoot, .. parts]);

    private static readonly string[] Units = ["edgerig.service", "edgerig-ptp4l.service", "edgerig-phc2sys.service"];

    /// <summary>
    /// What scripts/install-pi installed before it installed this package, where a package puts it: units from
    /// /etc/systemd/system and rules from /etc/udev/rules.d move to /usr/lib (the admin's directories stay the admin's), and
    /// the CLI's link from /usr/local/bin (never a package's) to /usr/bin. /var/lib/edgerig is made by postinst, as before.
    /// </summary>
    private static readonly string[] InstalledByInstallPi =
    [
        "/opt/edgerig/service/edgerig-service", "/opt/edgerig/service/edgerig-service.dll", "/opt/edgerig/service/wwwroot/index.html",
        "/opt/edgerig/cli/edgerig", "/opt/edgerig/cli/edgerig.dll", "/opt/edgerig/README.md", "/opt/edgerig/edgerig.env",
        "/usr/bin/edgerig", "/etc/edgerig/rig.json", "/etc/edgerig/ptp4l.conf",
        "/usr/lib/systemd/system/edgerig.service", "/usr/lib/systemd/system/edgerig-ptp4l.service", "/usr/lib/systemd/system/edgerig-phc2sys.service",
        "/usr/lib/udev/rules.d/99-edgerig.rules",
    ];

    private static Dictionary<string, string> Fields(string control) =>
        Regex.Matches(File.ReadAllText(control), @"^([A-Za-z-]+): ?(.*)$", RegexOptions.Multiline).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value.Trim());

    [Fact]
    public void Control_NameVersionArchitectureAndDependencies()
    {
        var f = Fields(Path.Combine(package.Control, "control"));
        string version = Regex.Match(File.ReadAllText(Repo("src", "EdgeRig.Service", "EdgeRig.Service.csproj")), "<Version>(.*)</Version>").Groups[1].Value;
        Assert.Equal("edgerig", f["Package"]);
        Assert.Equal(version, f["Version"]);
        Assert.Equal("amd64", f["Architecture"]);
        Assert.EndsWith($"edgerig_{version}_amd64.deb", package.Deb);
        Assert.True(long.Parse(f["Installed-Size"]) > 50_000, "Installed-Size " + f["Installed-Size"] + " KiB is too small for a self-contained service");
        var depends = f["Depends"].Split(',', StringSplitOptions.TrimEntries);
        foreach (string needed in new[] { "libturbojpeg0", "libportaudio2", "linuxptp", "passwd" }) Assert.Contains(needed, depends);
        Assert.Contains("libopencv-objdetect406", f["Suggests"]); // face redaction, README "Native libraries"
        Assert.Contains("scripts/build-opencv-arm64", File.ReadAllText(Path.Combine(package.Control, "control")));
        Assert.Equal(["/etc/edgerig/ptp4l.conf", "/etc/edgerig/rig.json"], File.ReadAllLines(Path.Combine(package.Control, "conffiles")).Order());
    }

    [Fact]
    public async Task Files_WhatInstallPiInstalled_SameContent_NothingInAdminPlaces()
    {
        var listed = (await PackageFixture.Run("dpkg-deb", "--contents", package.Deb)).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => Regex.Match(l, @" \./(\S*)").Groups[1].Value.TrimEnd('/')).Where(p => p.Length > 0).Select(p => "/" + p).ToHashSet();
        foreach (string path in InstalledByInstallPi) Assert.Contains(path, listed);
        Assert.DoesNotContain(listed, p => p.StartsWith("/usr/local/", StringComparison.Ordinal) || p.StartsWith("/etc/systemd/", StringComparison.Ordinal)
            || p.StartsWith("/etc/udev/", StringComparison.Ordinal) || p.StartsWith("/var/", StringComparison.Ordinal));
        Assert.DoesNotContain(listed, p => p.EndsWith(".pdb", StringComparison.Ordinal));
        string X(string path) => Path.Combine(package.Extracted, path.TrimStart('/'));
        Assert.Equal(File.ReadAllText(Repo("hardware", "rigs", "pi5-reference.json")), File.ReadAllText(X("/etc/edgerig/rig.json")));
        Assert.Equal(File.ReadAllText(Repo("systemd", "ptp", "ptp4l.conf")), File.ReadAllText(X("/etc/edgerig/ptp4l.conf")));
        Assert.Equal(File.ReadAllText(Repo("systemd", "edgerig.env")), File.ReadAllText(X("/opt/edgerig/edgerig.env")));
        Assert.Equal(File.ReadAllText(Repo("systemd", "99-edgerig.rules")), File.ReadAllText(X("/usr/lib/udev/rules.d/99-edgerig.rules")));
        foreach (string unit in Units)
            Assert.Equal(File.ReadAllText(Repo("systemd", unit)), File.ReadAllText(X("/usr/lib/systemd/system/" + unit)));
        Assert.Equal("/opt/edgerig/cli/edgerig", new FileInfo(X("/usr/bin/edgerig")).LinkTarget);
        Assert.Contains("/opt/edgerig/service/edgerig-service", File.ReadAllText(X("/usr/lib/systemd/system/edgerig.service"))); // the unit runs what the package installs
    }

    [Fact]
    public async Task Binaries_X64Elf_SelfContained_CliRunsWithoutADotnetInstall()
    {
        foreach (string binary in new[] { "opt/edgerig/service/edgerig-service", "opt/edgerig/cli/edgerig" })
        {
            byte[] head = File.ReadAllBytes(Path.Combine(package.Extracted, binary))[..20];
            Assert.Equal("\u007fELF"u8.ToArray(), head[..4]);
            Assert.Equal(62, BitConverter.ToUInt16(head, 18)); // ELF e_machine: EM_X86_64 (the arm64 .deb: scripts/test-arm64 checks EM_AARCH64)
        }
        Assert.True(File.Exists(Path.Combine(package.Extracted, "opt", "edgerig", "service", "libcoreclr.so")), "the service is not self-contained");
        // no DOTNET_ROOT and a PATH without dotnet: the CLI runs on its own runtime
        var r = await ProcessRunner.RunAsync(Path.Combine(package.Extracted, "opt", "edgerig", "cli", "edgerig"), ["--version"], TimeSpan.FromSeconds(60),
            new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin", ["DOTNET_ROOT"] = "/nonexistent" });
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Matches(@"^\d+\.\d+\.\d+", r.Stdout.Trim());
    }

    /// <summary>
    /// The installed layout of `calibrate spatial --from-folder`: the packaged CLI carries no OpenCV and loads the solver from the
    /// packaged service beside it (/opt/edgerig/service). A pulled camera stream of a photo with no board in it makes the solver
    /// run OpenCV's board detector to find that out: the failure by name, not "unavailable", proves both were found and loaded.
    /// </summary>
    [Fact]
    public async Task OfflineSpatial_PackagedCli_LoadsTheSolverAndOpenCvFromTheServiceBesideIt()
    {
        string dir = Paths.TempDir("deb-offline-spatial");
        try
        {
            string folder = WritePulledCamera(dir, File.ReadAllBytes(Path.Combine(Paths.RepoRoot, "..", "shared", "testdata", "baboon.jpg")), 512, 512, frames: 3);
            var r = await ProcessRunner.RunAsync(Path.Combine(package.Extracted, "opt", "edgerig", "cli", "edgerig"),
                ["calibrate", "spatial", "--from-folder", folder, "--rig", Repo("hardware", "rigs", "sim-spatial.json"), "--json"], TimeSpan.FromMinutes(3),
                new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin", ["DOTNET_ROOT"] = "/nonexistent", ["EDGERIG_SERVICE_DIR"] = "" });

            Assert.DoesNotContain("unavailable", r.Stderr + r.Stdout);
            Assert.True(r.ExitCode == 1, $"exit {r.ExitCode}: {r.Stderr}");
            using var report = System.Text.Json.JsonDocument.Parse(r.Stdout);
            var failure = Assert.Single(report.RootElement.GetProperty("failures").EnumerateArray());
            Assert.Equal("cam0", failure.GetProperty("stream").GetString());
            Assert.Contains("none of 3 frames", failure.GetProperty("message").GetString());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>A pulled session folder with one camera stream (cam0) of the same JPEG frame at 20 Hz.</summary>
    private static string WritePulledCamera(string dir, byte[] jpeg, int width, int height, int frames)
    {
        const long start = 1_767_225_600_000_000_000;
        string id = "20260101-000000-offline", folder = Path.Combine(dir, id);
        var stream = new Formats.ManifestStream("cam0", nameof(Core.Modality.Camera), Core.Encodings.Jpeg, 20, "", "cam0", "cam0_optical", 20, "SensorClock", 0, 0,
            new Dictionary<string, string> { ["width"] = width.ToString(), ["height"] = height.ToString() });
        var samples = Enumerable.Range(0, frames).Select(i => new Core.Sample(new Core.StreamId("cam0"), i, new Core.SensorTime(i), new Core.HostTime(i * 50_000_000L),
            new Core.RigTimestamp(new Core.RigTime(start + i * 50_000_000L), Core.Duration.FromMicroseconds(50)), jpeg)).ToList();
        var (info, stored) = Formats.ChunkFormat.Encode(stream.ToDescriptor(), samples, 0);
        string file = Formats.ManifestChunk.RelativePath("cam0", 0);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(folder, file))!);
        File.WriteAllBytes(Path.Combine(folder, file), stored);
        var chunk = new Formats.ManifestChunk(0, "cam0", 0, info.FirstSequence, info.LastSequence, info.Count, info.FirstRigTime.Nanoseconds, info.LastRigTime.Nanoseconds,
            info.Codec.ToString(), info.RawLength, info.StoredLength, info.Crc32C, info.Sha256Hex, file);
        var session = new Formats.ManifestSession(id, "offline", "lab", new Dictionary<string, string>(), start, start + frames * 50_000_000L, "Complete", "sim-spatial", "");
        new Formats.PulledSessionManifest(Formats.PulledSessionManifest.FormatName, session, [stream],
            new Dictionary<string, Formats.ManifestCounts> { ["cam0"] = new(frames, frames, 0, 0) }, [], [chunk],
            Core.SessionHash.Compute([(chunk.Stream, chunk.Index, chunk.Sha256)]), DateTimeOffset.UnixEpoch).Save(folder);
        return folder;
    }

    [Fact]
    public async Task MaintainerScripts_ExecutableAndParse_InShAndBash()
    {
        foreach (string script in new[] { "postinst", "prerm", "postrm" })
        {
            string path = Path.Combine(package.Control, script);
            Assert.True(File.GetUnixFileMode(path).HasFlag(UnixFileMode.UserExecute), script + " is not executable");
            Assert.StartsWith("#!/bin/sh\n", File.ReadAllText(path));
            foreach (string shell in new[] { "sh", "bash" })
            {
                var r = await ProcessRunner.RunAsync(shell, ["-n", path], TimeSpan.FromSeconds(30));
                Assert.True(r.ExitCode == 0, $"{shell} -n {script}: {r.Stderr}");
            }
        }
        string postinst = File.ReadAllText(Path.Combine(package.Control, "postinst"));
        Assert.Contains("usermod -a -G video,audio,i2c,gpio,dialout edgerig", postinst);
        Assert.Contains("[ -d /run/systemd/system ]", postinst); // starts units only where systemd runs
    }

    [Fact]
    public async Task Units_FromThePackage_SystemdAnalyzeVerify_Clean()
    {
        // the extracted package is the root: its units, binary and environment file; the host's stock targets and stand-ins
        // for linuxptp's binaries (a dependency, not in the package)
        string root = Paths.TempDir("deb-verify");
        try
        {
            await PackageFixture.Run("cp", "-a", package.Extracted + "/.", root);
            string stock = Path.Combine(root, "usr", "lib", "systemd", "system");
            foreach (var f in Directory.GetFiles("/usr/lib/systemd/system").Where(f => f.EndsWith(".target") || f.EndsWith(".slice")))
                File.Copy(f, Path.Combine(stock, Path.GetFileName(f)), overwrite: false);
            foreach (string binary in new[] { "usr/sbin/ptp4l", "usr/sbin/phc2sys" })
            {
                string path = Path.Combine(root, binary);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, "#!/bin/sh\n");
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
            }
            var r = await ProcessRunner.RunAsync("systemd-analyze", ["verify", "--root=" + root, .. Units], TimeSpan.FromSeconds(60));
            Assert.True(r.ExitCode == 0 && r.Stderr.Trim().Length == 0, r.Stderr);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>
    /// dpkg --root installs and purges the package in a throw-away root. The maintainer scripts run chrooted there (dpkg does
    /// that for --root), in a private mount namespace where the root's /usr is an overlay over this machine's (tools
    /// available, writes kept in the overlay) and /etc is a copy: this machine's users, units and files are not touched.
    /// </summary>
    [Fact]
    public async Task DpkgRoot_InstallThenPurge_UserGroupsDataDirUnits_HostUntouched()
    {
        Assert.True(Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root",
            "installing into a throw-away root needs root (mount namespace, chroot); run the tests as root, as CI does");
        string work = Paths.TempDir("deb-root"), root = Path.Combine(work, "root"), upper = Path.Combine(work, "usr-upper");
        string hostBefore = HostState();
        try
        {
            var install = await InRoot(work, $"dpkg --root={root} --force-depends -i {package.Deb}");
            Assert.True(install.ExitCode == 0, install.Stdout + install.Stderr);

            string status = await PackageFixture.Run("dpkg-query", "--admindir=" + Path.Combine(root, "var", "lib", "dpkg"), "-W", "-f=${Status}", "edgerig");
            Assert.Equal("install ok installed", status);
            string passwd = File.ReadAllText(Path.Combine(root, "etc", "passwd"));
            var user = Regex.Match(passwd, @"^edgerig:x:(\d+):(\d+):[^:]*:/var/lib/edgerig:/usr/sbin/nologin$", RegexOptions.Multiline);
            Assert.True(user.Success, "no edgerig system user with home /var/lib/edgerig and nologin in the root's /etc/passwd");
            string group = File.ReadAllText(Path.Combine(root, "etc", "group"));
            foreach (string g in new[] { "video", "audio", "i2c", "gpio", "dialout" })
                Assert.Matches($"(?m)^{g}:x:\\d+:(.*,)?edgerig(,.*)?$", group);
            var data = new DirectoryInfo(Path.Combine(root, "var", "lib", "edgerig"));
            Assert.True(data.Exists);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute, data.UnixFileMode);
            Assert.Equal(user.Groups[1].Value, (await PackageFixture.Run("stat", "-c", "%u", data.FullName)).Trim());
            string wants = Path.Combine(root, "etc", "systemd", "system", "multi-user.target.wants");
            foreach (string unit in Units) // deb-systemd-helper names the unit by /lib, which is /usr/lib on a merged-/usr root like this one
                Assert.Contains(new FileInfo(Path.Combine(wants, unit)).LinkTarget, new[] { "/lib/systemd/system/" + unit, "/usr/lib/systemd/system/" + unit });
            Assert.Equal("/opt/edgerig/cli/edgerig", new FileInfo(Path.Combine(upper, "bin", "edgerig")).LinkTarget); // the root's /usr/bin
            Assert.True(File.Exists(Path.Combine(root, "opt", "edgerig", "service", "edgerig-service")));

            File.WriteAllText(Path.Combine(data.FullName, "session-kept"), "a recording");
            var purge = await InRoot(work, $"dpkg --root={root} --purge edgerig");
            Assert.True(purge.ExitCode == 0, purge.Stdout + purge.Stderr);
            Assert.False(Directory.Exists(Path.Combine(root, "opt", "edgerig")), "purge left /opt/edgerig");
            Assert.False(File.Exists(Path.Combine(root, "etc", "edgerig", "rig.json")), "purge left the conffile /etc/edgerig/rig.json");
            Assert.False(Path.Exists(Path.Combine(upper, "bin", "edgerig")), "purge left /usr/bin/edgerig");
            foreach (string unit in Units) Assert.False(Path.Exists(Path.Combine(wants, unit)), "purge left the enable link of " + unit);
            Assert.True(File.Exists(Path.Combine(data.FullName, "session-kept")), "purge deleted recordings in /var/lib/edgerig");
            Assert.Equal(hostBefore, HostState());
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public async Task InstallPi_DryRun_BuildsAndInstallsThePackage_RunsNothing()
    {
        string fakes = Paths.TempDir("fakebin"), log = Path.Combine(fakes, "called.log");
        try
        {
            // every command that would change the system is replaced by one that only logs that it was called
            foreach (var tool in new[] { "dotnet", "dpkg", "dpkg-deb", "apt-get", "env", "install", "mv", "rm", "cp", "ln", "systemctl", "udevadm", "useradd", "groupadd" })
            {
                string fake = Path.Combine(fakes, tool);
                File.WriteAllText(fake, $"#!/bin/sh\necho \"{tool} $*\" >> '{log}'\n");
                File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            var env = new Dictionary<string, string> { ["PATH"] = fakes + ":" + Environment.GetEnvironmentVariable("PATH") };
            var build = await ProcessRunner.RunAsync(Repo("scripts", "install-pi"), ["--dry-run", "--no-start"], TimeSpan.FromSeconds(30), env);
            Assert.True(build.ExitCode == 0, build.Stderr);
            string arch = System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "arm64" : "amd64";
            Assert.Contains($"+ scripts/package --arch {arch}", build.Stdout);
            Assert.Contains($"EDGERIG_NO_START=1 apt-get install -y --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold ./artifacts/packages/edgerig_", build.Stdout);
            Assert.Contains($"_{arch}.deb", build.Stdout);

            var given = await ProcessRunner.RunAsync(Repo("scripts", "install-pi"), ["--dry-run", "--deb", package.Deb, "--rig", Paths.Rig("sim-default.json")], TimeSpan.FromSeconds(30), env);
            Assert.True(given.ExitCode == 0, given.Stderr);
            Assert.DoesNotContain("scripts/package", given.Stdout);
            Assert.Contains($"EDGERIG_NO_START=0 apt-get install -y --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold {package.Deb}", given.Stdout);
            Assert.Contains($"+ install -m 0644 {Paths.Rig("sim-default.json")} /etc/edgerig/rig.json", given.Stdout);
            Assert.False(File.Exists(log), File.Exists(log) ? File.ReadAllText(log) : "");

            var missing = await ProcessRunner.RunAsync(Repo("scripts", "install-pi"), ["--dry-run", "--deb", "/nonexistent/edgerig.deb"], TimeSpan.FromSeconds(30), env);
            Assert.Equal(1, missing.ExitCode);
            Assert.Equal("install-pi: package '/nonexistent/edgerig.deb' not found", missing.Stderr.Trim());
        }
        finally
        {
            Directory.Delete(fakes, recursive: true);
        }
    }

    /// <summary>This machine's users, groups and the paths the package would install: none may change.</summary>
    private static string HostState() =>
        Convert.ToHexString(SHA256.HashData(File.ReadAllBytes("/etc/passwd").Concat(File.ReadAllBytes("/etc/group")).ToArray()))
        + string.Concat(new[] { "/usr/bin/edgerig", "/opt/edgerig", "/etc/edgerig", "/var/lib/edgerig", "/etc/systemd/system/multi-user.target.wants/edgerig.service" }
            .Select(p => Path.Exists(p) ? "+" + p : "-" + p));

    /// <summary>Runs COMMAND in a private mount namespace with WORK/root set up as a minimal root (see the test's summary).</summary>
    private static Task<ProcessRunner.Result> InRoot(string work, string command)
    {
        string script = $$"""
            set -euo pipefail
            root={{work}}/root upper={{work}}/usr-upper
            if [ ! -d "$root" ]; then
              mkdir -p "$root"/usr "$root"/etc "$root"/opt "$root"/tmp "$root"/dev "$root"/run "$upper" {{work}}/usr-work
              mkdir -p "$root"/var/lib/dpkg/info "$root"/var/lib/dpkg/updates "$root"/var/lib/dpkg/triggers
              for d in bin sbin lib lib64; do ln -s usr/$d "$root/$d"; done
              for f in passwd group shadow gshadow login.defs nsswitch.conf; do cp -a /etc/$f "$root/etc/"; done
              touch "$root/var/lib/dpkg/status" "$root/dev/null"
              chmod 1777 "$root/tmp"
            fi
            mount --make-rprivate /
            mount -t overlay overlay -o lowerdir=/usr,upperdir="$upper",workdir={{work}}/usr-work "$root/usr"
            mount --bind /dev/null "$root/dev/null"
            {{command}}
            """;
        return ProcessRunner.RunAsync("unshare", ["--mount", "bash", "-c", script], TimeSpan.FromMinutes(5));
    }
}
