using System.Reflection;
using EdgeRig.Api.V1;
using EdgeRig.Core;
using EdgeRig.Recording;
using global::Grpc.Core;

namespace EdgeRig.Service.Grpc;

/// <summary>Status and recording control: a thin adapter over <see cref="RecordingPipeline"/>.</summary>
public sealed class RigGrpcService(
    RecordingPipeline pipeline, RigProfile rig, IRigClock clock, DataDirectory data, Timing.Ptp.PtpMonitor ptp, TransportInfo transport,
    Native.NativeLibraryReport natives, Native.DeviceStartFaults startFaults, IReadOnlyList<ISensor> sensors, Quality.QaService? qa = null,
    Upload.UploadQueue? uploads = null) : Api.V1.Rig.RigBase
{
    public static readonly string Version =
        typeof(RigGrpcService).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public override Task<RigStatus> GetStatus(GetStatusRequest request, ServerCallContext context)
    {
        var status = pipeline.Status();
        var reply = new RigStatus
        {
            RigName = rig.Name,
            Version = Version,
            RigTimeNs = clock.RigNow.Nanoseconds,
            HostMonotonicNs = clock.Now.Nanoseconds,
            Recording = status.Active is not null,
            LastStopReason = status.LastStopReason,
            DataFreeBytes = data.FreeBytes,
            DataDir = data.Path,
            Ptp = ptp.Status.ToApi(rig.Ptp),
            TlsFingerprintSha256 = transport.FingerprintSha256,
            Transport = transport.Mode,
        };
        if (status.Active is { } active)
        {
            reply.ActiveSession = active.ToApi();
            if (qa?.Live(active.Id) is { } live)
            {
                reply.Qa = new QaLive { Verdict = ApiMapping.ToApi(live.Verdict) };
                reply.Qa.Findings.AddRange(live.Findings.Where(f => f.Verdict != QaVerdict.Pass)
                    .OrderByDescending(f => f.Verdict).Take(10).Select(f => f.Message));
            }
        }
        reply.Armed = ToApi(status.Armed);
        if (uploads is not null) reply.Upload = Upload.UploadGrpcService.Status(uploads, withSessions: false);
        reply.Streams.AddRange(status.Streams.Select(s => new Api.V1.StreamStatus
        {
            Stream = s.Descriptor.ToApi(),
            Live = s.Live,
            RateHz = s.RateHz,
            TotalSamples = s.Total,
            SessionCounts = s.Session.ToApi(),
            ErrorBoundNs = s.LastErrorBound.Nanoseconds,
            DriftPpm = s.DriftPpm,
            Fault = Fault(s.Descriptor.DeviceId) ?? "",
        }));
        reply.NativeLibraries.AddRange(natives.Libraries().Select(l => new NativeLibraryStatus
        {
            Library = l.Library, Found = l.Found, Detail = l.Detail, NeededFor = l.NeededFor, HowToGet = l.HowToGet,
        }));
        reply.Features.AddRange(natives.Features().Select(f => new FeatureStatus { Name = f.Name, Available = f.Available, Detail = f.Detail }));
        return Task.FromResult(reply);
    }

    /// <summary>Why a device delivers nothing: it did not start, or it was lost and is being looked for again.</summary>
    private string? Fault(string deviceId) =>
        startFaults.For(deviceId) ?? (sensors.FirstOrDefault(s => s.DeviceId == deviceId) is Devices.Hotplug.HotplugSensor { IsConnected: false, Fault: { } lost } ? lost : null);

    public override async Task<SessionInfo> StartRecording(StartRecordingRequest request, ServerCallContext context)
    {
        Validate.Text(request.Name, "name", 200);
        Validate.Text(request.Operator, "operator", 200);
        if (request.Tags.Count > 64) throw new ArgumentException($"tags: {request.Tags.Count} given, at most 64");
        foreach (var (k, v) in request.Tags)
        {
            Validate.Text(k, "tag key", 64, required: true);
            Validate.Text(v, $"tag '{k}'", 512);
        }
        var session = await pipeline.StartAsync(request.Name, request.Operator, request.Tags.ToDictionary());
        return session.ToApi();
    }

    public override async Task<ArmedInfo> Arm(ArmRequest request, ServerCallContext context)
    {
        Validate.Text(request.Name, "name", 200);
        Validate.Text(request.Operator, "operator", 200);
        if (double.IsNaN(request.PreTriggerSeconds)) throw new ArgumentException("pre_trigger_seconds is not a number");
        var armed = await pipeline.ArmAsync(Duration.FromSeconds(request.PreTriggerSeconds), request.MaxBytes == 0 ? 256L * 1024 * 1024 : request.MaxBytes,
            new SessionRequest(request.Name, request.Operator, request.Tags.ToDictionary()));
        return ToApi(armed);
    }

    public override async Task<ArmedInfo> Disarm(DisarmRequest request, ServerCallContext context)
    {
        await pipeline.DisarmAsync();
        return new ArmedInfo { Armed = false };
    }

    public override Task<ListDevicesResponse> ListDevices(ListDevicesRequest request, ServerCallContext context)
    {
        var reply = new ListDevicesResponse();
        reply.Devices.AddRange(Devices.DeviceInventory.Compare(rig, Devices.DeviceInventory.Scan()).Select(e => new DeviceEntry
        {
            Category = e.Category,
            Name = e.Name,
            DeviceId = e.DeviceId ?? "",
            Status = e.Status.ToString(),
            Detail = e.Detail,
        }));
        return Task.FromResult(reply);
    }

    public override async Task<SessionInfo> Trigger(TriggerRequest request, ServerCallContext context) =>
        (await pipeline.TriggerAsync()).ToApi();

    private ArmedInfo ToApi(ArmedStatus? a) => a is null ? new ArmedInfo { Armed = false } : new ArmedInfo
    {
        Armed = true,
        PreTriggerSeconds = a.PreTrigger.TotalSeconds,
        MaxBytes = a.MaxBytes,
        BufferedBytes = a.BufferedBytes,
        BufferedSeconds = a.Oldest is { } oldest ? Math.Max(0, (clock.RigNow - oldest).TotalSeconds) : 0,
        Name = a.Name,
    };

    public override async Task<SessionInfo> StopRecording(StopRecordingRequest request, ServerCallContext context) =>
        (await pipeline.StopAsync()).ToApi();

    public override Task<MarkerInfo> AddMarker(AddMarkerRequest request, ServerCallContext context) =>
        Task.FromResult(pipeline.AddMarker(request.Label, request.Note).ToApi());
}

/// <summary>Input checks whose messages name the field.</summary>
internal static class Validate
{
    public static void Text(string value, string field, int maxLength, bool required = false)
    {
        if (required && string.IsNullOrWhiteSpace(value)) throw new ArgumentException($"{field} must not be empty");
        if (value.Length > maxLength) throw new ArgumentException($"{field} is {value.Length} characters; at most {maxLength}");
        if (value.Any(char.IsControl)) throw new ArgumentException($"{field} contains control characters");
    }
}
