using System.CommandLine;
using System.Reflection;
using EdgeRig.Api.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace EdgeRig.Cli.Commands;

/// <summary>How a doctor check came out.</summary>
internal enum DoctorVerdict { Pass, Warn, Fail }

/// <summary>One doctor check: what was checked, the verdict, what was seen and, unless it passed, what to do.</summary>
internal sealed record DoctorCheck(string Name, DoctorVerdict Verdict, string Detail, string Remedy = "");

/// <summary>What the doctor gathered from the rig: two status snapshots a moment apart, the device inventory, health and local clocks.</summary>
internal sealed record DoctorEvidence(RigStatus First, RigStatus Second, long LocalRealtimeNs, IReadOnlyList<DeviceEntry> Devices, string Health, string CliVersion);

/// <summary>
/// `edgerig doctor`: service health, versions, PTP lock, every device present and delivering, disk space and the
/// recorder keeping up, clock sanity. One line per check with the remedy; exit 1 if any check fails; --json.
/// </summary>
internal static class DoctorCommand
{
    public static Command Create()
    {
        var command = new Command("doctor", "Check the rig end to end: service, versions, PTP, devices, disk, clocks; one line per check with the remedy");
        command.SetAction((parse, ct) => EdgeRigCli.Guard(parse, async channel =>
        {
            var checks = Evaluate(await GatherAsync(channel, ct));
            if (parse.GetValue(EdgeRigCli.Json))
                Output.Json(checks.Select(c => new { check = c.Name, verdict = c.Verdict.ToString().ToLowerInvariant(), detail = c.Detail, remedy = c.Remedy }));
            else
                foreach (var c in checks) Console.Out.WriteLine(Format(c));
            return checks.Any(c => c.Verdict == DoctorVerdict.Fail) ? 1 : 0;
        }));
        return command;
    }

    private static async Task<DoctorEvidence> GatherAsync(GrpcChannel channel, CancellationToken ct)
    {
        var reply = await new Grpc.Health.V1.Health.HealthClient(channel).CheckAsync(new Grpc.Health.V1.HealthCheckRequest(), cancellationToken: ct);
        string health = reply.Status switch
        {
            Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving => "SERVING",
            Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.NotServing => "NOT_SERVING",
            Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.ServiceUnknown => "SERVICE_UNKNOWN",
            _ => "UNKNOWN",
        };
        var rig = new Rig.RigClient(channel);
        var first = await rig.GetStatusAsync(new GetStatusRequest(), cancellationToken: ct);
        long local = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100;
        var devices = await rig.ListDevicesAsync(new ListDevicesRequest(), cancellationToken: ct);
        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        var second = await rig.GetStatusAsync(new GetStatusRequest(), cancellationToken: ct);
        string version = typeof(DoctorCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        return new DoctorEvidence(first, second, local, devices.Devices, health, version);
    }

    /// <summary>The checks, in order, from what was gathered; no I/O, so every verdict is testable.</summary>
    public static IReadOnlyList<DoctorCheck> Evaluate(DoctorEvidence e)
    {
        var s = e.Second;
        var checks = new List<DoctorCheck>
        {
            e.Health == "SERVING" ? new("service", DoctorVerdict.Pass, "grpc.health.v1: SERVING")
                : new("service", DoctorVerdict.Fail, $"grpc.health.v1: {e.Health}", "sudo systemctl restart edgerig; journalctl -u edgerig -n 50"),
            Release(e.CliVersion) == Release(s.Version) ? new("versions", DoctorVerdict.Pass, $"rig {s.Version}, cli {e.CliVersion}")
                : new("versions", DoctorVerdict.Warn, $"rig {s.Version}, cli {e.CliVersion}", "install the same release on both (scripts/install-pi)"),
            Ptp(s.Ptp),
        };
        foreach (var d in e.Devices.Where(d => d.Status == "Missing"))
            checks.Add(new($"device {Label(d)}", DoctorVerdict.Fail, $"{d.Category} {d.Name} missing{(d.Detail.Length > 0 ? ": " + d.Detail : "")}",
                "check the cable and power, then `edgerig devices`; the rig file's path must match (udev: /dev/edgerig/*)"));
        foreach (var st in s.Streams)
            checks.Add(Stream(st));
        checks.Add(Disk(s));
        checks.Add(Recorder(s));
        checks.AddRange(Clocks(e));
        checks.AddRange(NativeLibraries(s));
        return checks;
    }

    /// <summary>Each optional native library, found (with its file and version) or missing (with how to get it), and each
    /// feature resting on one: a missing library only warns, the rest of the rig records.</summary>
    private static IEnumerable<DoctorCheck> NativeLibraries(RigStatus s)
    {
        foreach (var l in s.NativeLibraries)
            yield return l.Found ? new($"library {l.Library}", DoctorVerdict.Pass, $"found: {l.Detail}")
                : new($"library {l.Library}", DoctorVerdict.Warn, $"missing: needed for {l.NeededFor}", l.HowToGet);
        foreach (var f in s.Features.Where(f => !f.Available))
            yield return new($"feature {f.Name}", DoctorVerdict.Warn, f.Detail, "install the library named, then sudo systemctl restart edgerig");
    }

    private static string Release(string version) => version.Split('+')[0];

    private static string Label(DeviceEntry d) => d.DeviceId.Length > 0 ? d.DeviceId : d.Name;

    private static DoctorCheck Ptp(PtpInfo? p) => p switch
    {
        null or { Enabled: false } => new("ptp", DoctorVerdict.Warn, "not monitored (rig file: ptp.enabled is false)",
            "set ptp.enabled in the rig file and run edgerig-ptp4l and edgerig-phc2sys"),
        { Available: false } => new("ptp", DoctorVerdict.Fail, $"unavailable: {p.Error}",
            "start ptp4l: sudo systemctl enable --now edgerig-ptp4l edgerig-phc2sys; check ptp.socket in the rig file"),
        { Locked: false } => new("ptp", DoctorVerdict.Fail, $"not locked: port {p.PortState}, offset {p.MasterOffsetNs} ns, grandmaster {(p.GrandmasterPresent ? "present" : "absent")}",
            "check the Ethernet link and the grandmaster; journalctl -u edgerig-ptp4l; lock needs |offset| under the threshold"),
        _ => new("ptp", DoctorVerdict.Pass, $"locked: port {p.PortState}, offset {p.MasterOffsetNs} ns"),
    };

    private static DoctorCheck Stream(Api.V1.StreamStatus st)
    {
        string name = $"stream {st.Stream.Id}";
        double nominal = st.Stream.NominalRateHz;
        if (!st.Live)
            return new(name, DoctorVerdict.Fail, $"{st.Stream.Modality} {st.Stream.DeviceId} is not delivering (stale){(st.Fault.Length > 0 ? ": " + st.Fault : "")}",
                $"check that {st.Stream.DeviceId} is plugged in and powered; `edgerig devices`; journalctl -u edgerig");
        if (nominal > 0 && st.RateHz < 0.9 * nominal)
            return new(name, DoctorVerdict.Warn, $"live at {st.RateHz:0.0} Hz, below the nominal {nominal:0.##} Hz",
                "check USB bandwidth (one camera per USB 3 port), CPU load and the device's settings");
        return new(name, DoctorVerdict.Pass, nominal > 0 ? $"live at {st.RateHz:0.0} Hz (nominal {nominal:0.##})" : "live (events)");
    }

    private static DoctorCheck Disk(RigStatus s)
    {
        const long GiB = 1L << 30;
        string detail = $"{Output.Bytes(s.DataFreeBytes)} free in {s.DataDir}";
        return s.DataFreeBytes switch
        {
            < 0 => new("disk", DoctorVerdict.Fail, $"cannot read free space of {s.DataDir}", "check that the data directory exists and is mounted"),
            < 2 * GiB => new("disk", DoctorVerdict.Fail, detail, "pull and delete sessions (edgerig pull, edgerig delete) or mount a bigger disk"),
            < 20 * GiB => new("disk", DoctorVerdict.Warn, detail, "pull and delete old sessions soon; the camera mix writes several GiB an hour"),
            _ => new("disk", DoctorVerdict.Pass, detail),
        };
    }

    private static DoctorCheck Recorder(RigStatus s)
    {
        if (!s.Recording) return new("write speed", DoctorVerdict.Pass, "not recording; drops are checked while a session records");
        long dropped = s.Streams.Sum(x => x.SessionCounts.Dropped);
        return dropped == 0 ? new("write speed", DoctorVerdict.Pass, "recording with no drops: the disk keeps up")
            : new("write speed", DoctorVerdict.Fail, $"{dropped} samples dropped in the open session: the disk or recorder cannot keep up",
                "record to a faster disk (USB 3 SSD or NVMe), lower camera rates, or check `scripts/bench store`");
    }

    private static IEnumerable<DoctorCheck> Clocks(DoctorEvidence e)
    {
        double skew = Math.Abs(e.First.RigTimeNs - e.LocalRealtimeNs) / 1e9;
        yield return skew switch
        {
            <= 0.5 => new("clock", DoctorVerdict.Pass, $"rig time within {skew * 1e3:0} ms of this computer's clock"),
            <= 5 => new("clock", DoctorVerdict.Warn, $"rig time is {skew:0.0} s from this computer's clock", "check NTP/PTP on both machines (timedatectl)"),
            _ => new("clock", DoctorVerdict.Fail, $"rig time is {skew:0} s from this computer's clock", "set the rig's clock: PTP (phc2sys) or NTP (timedatectl set-ntp true)"),
        };
        long monotonic = e.Second.HostMonotonicNs - e.First.HostMonotonicNs, realtime = e.Second.RigTimeNs - e.First.RigTimeNs;
        yield return monotonic <= 0
            ? new("monotonic", DoctorVerdict.Fail, "the rig's monotonic clock did not advance", "restart the rig; report the kernel/board")
            : Math.Abs(realtime - monotonic) > 100_000_000
                ? new("monotonic", DoctorVerdict.Warn, $"rig time moved {(realtime - monotonic) / 1e6:0} ms against the monotonic clock (a clock step)",
                    "a step while recording breaks the timeline; let phc2sys slew rather than step (check for other NTP daemons)")
                : new("monotonic", DoctorVerdict.Pass, $"advancing; rig time and monotonic agree within {Math.Abs(realtime - monotonic) / 1e6:0.0} ms");
    }

    /// <summary>One line per check: verdict, name, what was seen and, unless it passed, the remedy after an arrow.</summary>
    public static string Format(DoctorCheck c) =>
        $"{c.Verdict.ToString().ToUpperInvariant(),-4}  {Output.Plain(c.Name),-16} {Output.Plain(c.Detail)}" + (c.Verdict == DoctorVerdict.Pass || c.Remedy.Length == 0 ? "" : $"  -> {Output.Plain(c.Remedy)}");
}
