using EdgeRig.Core;
using EdgeRig.Devices;
using EdgeRig.Devices.Simulation;
using EdgeRig.Recording;
using EdgeRig.Service.Dashboard;
using EdgeRig.Service.Grpc;
using EdgeRig.Service.Security;
using EdgeRig.Service.Upload;
using EdgeRig.Storage;
using EdgeRig.Timing;
using EdgeRig.Timing.Ptp;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting.Systemd;

namespace EdgeRig.Service;

/// <summary>The composition root: the only place that picks concrete devices, clock and store.</summary>
public static class EdgeRigHost
{
    public const string DefaultUrl = "http://127.0.0.1:50051";

    private static readonly Dictionary<string, string> Switches = new()
    {
        ["--data-dir"] = "EdgeRig:DataDir",
        ["--rig"] = "EdgeRig:Rig",
    };

    /// <summary>Builds the service and takes the data directory's lock.</summary>
    /// <exception cref="RigProfileException">the rig file is broken.</exception>
    /// <exception cref="UnsafeListenException">a listener would break the TLS rule or bypass the listen plan.</exception>
    private static int Repair(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = Directory.GetCurrentDirectory() });
        builder.Configuration.AddCommandLine(args, Switches);
        var options = builder.Configuration.GetSection(EdgeRigOptions.Section).Get<EdgeRigOptions>() ?? new EdgeRigOptions();
        return OfflineRepair.Run(Path.GetFullPath(options.DataDir));
    }

    /// <exception cref="DataDirectoryInUseException">another service holds the data directory.</exception>
    public static WebApplication Build(string[] args)
    {
        // the slim builder: no IIS integration, HTTP/3 (QUIC), host filtering, regex route constraints or debug/EventSource
        // loggers, none of which the rig uses; their assemblies and the code compiled for them stayed resident (#14)
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = Directory.GetCurrentDirectory() });
        builder.Configuration.AddCommandLine(args, Switches);
        ListenPlan.RefuseOtherListeners(builder.Configuration); // only the plan below binds: no Kestrel:Endpoints, HTTP_PORTS, ...
        var listen = ListenPlan.Parse(builder.Configuration["urls"] is { Length: > 0 } urls ? urls : DefaultUrl);
        builder.Configuration["urls"] = ""; // the addresses are bound below, with the TLS rule applied
        builder.Host.UseSystemd(); // READY=1 and STOPPING=1 when systemd started the service
        // the watchdog's notifier; UseSystemd registers it only under systemd (disabled without NOTIFY_SOCKET)
        builder.Services.TryAddSingleton<ISystemdNotifier, SystemdNotifier>();
        builder.Host.ConfigureHostOptions(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));

        var options = builder.Configuration.GetSection(EdgeRigOptions.Section).Get<EdgeRigOptions>() ?? new EdgeRigOptions();
        var rig = RigFile.Load(options.Rig);
        string dataDir = Path.GetFullPath(options.DataDir);
        Directory.CreateDirectory(dataDir);
        DataDirectoryLock.Acquire(dataDir).Dispose(); // refuse a data directory in use before writing anything into it
        var certificate = listen.Any(l => l.Tls) ? RigCertificate.LoadOrCreate(dataDir) : null;
        // plaintext gRPC needs HTTP/2 with prior knowledge; over TLS, ALPN also allows HTTP/1.1 (browsers, downloads)
        builder.WebHost.ConfigureKestrel(k => ListenPlan.Bind(k, listen, certificate, HttpProtocols.Http2));
        var transport = new TransportInfo(certificate is null ? "" : RigCertificate.Fingerprint(certificate),
            listen.All(l => l.Tls) ? "tls" : listen.Any(l => l.Tls) ? "tls and plaintext on loopback (development mode)" : "plaintext on loopback (development mode)");
        builder.Services.AddSingleton(transport);
        builder.AddDashboard(listen, dataDir); // --dashboard-urls: the phone dashboard's HTTP/1.1 listener (same TLS rule)

        var clock = new SystemRigClock();
        var world = new SimulatedWorld(rig.World, clock);
        var sensors = SimulatedRig.Create(rig, world, clock);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(rig);
        builder.Services.AddSingleton<IRigClock>(clock);
        builder.Services.AddSingleton(world);
        builder.Services.AddSingleton(sensors);
        builder.Services.AddSingleton(sp => new LiteDbSessionStore(dataDir,
            new SessionStoreOptions
            {
                FreeSpaceReserveBytes = (long)(rig.Recording.FreeSpaceReserveMiB * 1024 * 1024),
                Cipher = sp.GetService<IChunkCipher>(), // registered by AddTrainingData when encryption at rest is on (or keys exist)
                EncryptNewSessions = rig.Privacy.EncryptAtRest,
                Time = sp.GetRequiredService<TimeProvider>(),
            }));
        builder.Services.AddSingleton<ISessionStore>(sp => sp.GetRequiredService<LiteDbSessionStore>());
        // the store's roles, for collaborators that need only one of them
        builder.Services.AddSingleton<ISessionWriter>(sp => sp.GetRequiredService<ISessionStore>());
        builder.Services.AddSingleton<ISessionCatalogue>(sp => sp.GetRequiredService<ISessionStore>());
        builder.Services.AddSingleton<IChunkReader>(sp => sp.GetRequiredService<ISessionStore>());
        builder.Services.AddSingleton<ITokenStore>(sp => new LiteDbTokenStore(sp.GetRequiredService<LiteDbSessionStore>()));
        builder.Services.AddSingleton<IAuditLog>(sp => new LiteDbAuditLog(sp.GetRequiredService<LiteDbSessionStore>()));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<Calibration.Profiles.ICalibrationProfileStore>(sp =>
            new Calibration.Profiles.CalibrationProfileStore(new CatalogueProfileRecords(sp.GetRequiredService<LiteDbSessionStore>().CatalogueCollection("calibration"))));
        builder.Services.AddSingleton<IRecordingStartGate, PtpRecordingGate>();
        builder.Services.AddSingleton<IActiveCalibration, ActiveCalibrationProfile>();
        builder.Services.AddSingleton(sp => new RecordingCollaborators(sp.GetRequiredService<IRecordingStartGate>(),
            sp.GetRequiredService<IActiveCalibration>(), sp.GetRequiredService<ISessionLifecycle>())); // ISessionLifecycle: AddTrainingData
        builder.Services.AddSingleton(sp => new RecordingPipeline(rig, sensors.SelectMany(s => s.Streams).Select(d => SessionGeometry.WithDesignGeometry(d, rig)).ToList(), sp.GetRequiredService<ISessionStore>(),
            clock, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<RecordingCollaborators>(), sp.GetRequiredService<ILogger<RecordingPipeline>>()));
        builder.Services.AddSingleton(new DataDirectory(dataDir));
        // GPIO outputs (the calibration trigger) open on first use: a real rig's gpiochip is only touched by a calibration run
        var outputs = new Lazy<RigOutputs>(() => SimulatedRig.CreateOutputs(rig, world, clock), LazyThreadSafetyMode.PublicationOnly);
        builder.Services.AddSingleton(outputs);
        builder.Services.AddSingleton<LiveCalibration>();
        builder.Services.AddSingleton(sp => new Calibration.CalibrationRunner(sp.GetRequiredService<Calibration.Profiles.ICalibrationProfileStore>(), rig.Name,
            rig.Calibration, new Vision.FarnebackCameraYaw(), DeviceProfileRules.CameraFieldsOfViewRad(rig)));
        builder.Services.AddSingleton(sp => new PtpMonitor(rig.Ptp, new PmcClient(rig.Ptp.Socket), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddTrainingData(rig, dataDir);
        builder.Services.AddUploads(rig, dataDir, Grpc.RigGrpcService.Version); // a broken upload section refuses start-up here
        builder.Services.AddSingleton<Native.DeviceStartFaults>();
        builder.Services.AddSingleton<Native.NativeLibraryReport>();
        builder.Services.AddHostedService<RigRuntime>();
        builder.Services.AddHostedService<Systemd.SystemdWatchdog>();

        builder.Services.AddRigTokenAuthentication(); // the one bearer-token scheme of gRPC and the dashboard
        builder.Services.AddGrpc(o =>
        {
            o.Interceptors.Add<AuthInterceptor>(); // outermost: refuses before anything runs, audits the outcome
            o.Interceptors.Add<ErrorInterceptor>();
            o.EnableDetailedErrors = false;
        });
        // NOT_SERVING while the store cannot write (a failed catalogue write, the disk at its reserve)
        builder.Services.AddSingleton<Systemd.RigLoopHealth>();
        builder.Services.AddGrpcHealthChecks()
            .Add(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckRegistration("store",
                sp => new StoreHealthCheck(sp.GetRequiredService<ISessionStore>()), null, null))
            .Add(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckRegistration("rig-loop",
                sp => new RigLoopHealthCheck(sp.GetRequiredService<Systemd.RigLoopHealth>()), null, null));
        builder.Services.AddGrpcReflection();

        var app = builder.Build();
        app.Services.GetRequiredService<LiteDbSessionStore>(); // takes the data directory's lock now, not halfway through start
        app.MapGrpcService<RigGrpcService>();
        app.MapGrpcService<SessionsGrpcService>();
        app.MapGrpcService<AdminGrpcService>();
        app.MapGrpcService<CalibrationGrpcService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        app.MapDashboard();
        app.MapTrainingData();
        app.MapUploads();

        world.EventScheduled += e => GroundTruthLog.Append(dataDir, e);
        GroundTruthLog.Attach(world, rig, dataDir); // the calibration target's true poses, when the world has one (#19)
        app.Lifetime.ApplicationStopped.Register(() =>
        {
            if (outputs.IsValueCreated) outputs.Value.Dispose();
        });
        return app;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Contains("--repair")) return Repair(args.Where(a => a != "--repair").ToArray());
        WebApplication app;
        try
        {
            app = Build(args);
        }
        catch (Exception e) when (e is RigProfileException or UnsafeListenException)
        {
            Console.Error.WriteLine($"edgerig-service: refusing to start: {e.Message}");
            return 2;
        }
        catch (DataDirectoryInUseException e)
        {
            Console.Error.WriteLine($"edgerig-service: cannot start: {e.Message}");
            return 1;
        }
        try
        {
            await app.RunAsync();
            return 0;
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"edgerig-service: cannot start: {e.Message}");
            return 1;
        }
    }
}

/// <summary>`edgerig-service --repair`: with the service stopped, recovers sessions left recording and rebuilds every finished
/// session's index from its segment (old indexes kept aside), printing what it did.</summary>
internal static class OfflineRepair
{
    public static int Run(string dataDir)
    {
        try
        {
            using var store = new LiteDbSessionStore(dataDir, new SessionStoreOptions { FreeSpaceReserveBytes = 0 });
            foreach (var id in store.RecoverOpenSessions()) Console.WriteLine($"{id}: recovered (it was left recording)");
            foreach (var record in store.ListSessions())
                foreach (var line in store.RepairSession(record.Session.Id)) Console.WriteLine($"{record.Session.Id}: {line}");
            foreach (var line in store.Repairs) Console.WriteLine($"store: {line}");
            return 0;
        }
        catch (DataDirectoryInUseException e)
        {
            Console.Error.WriteLine($"edgerig-service: cannot repair: {e.Message}; stop the service first");
            return 1;
        }
    }
}

/// <summary>How the service is reached: its certificate's fingerprint (if any) and the transport mode.</summary>
public sealed record TransportInfo(string FingerprintSha256, string Mode);

/// <summary>Where the service keeps its data.</summary>
public sealed record DataDirectory(string Path)
{
    public long FreeBytes
    {
        get
        {
            try { return new DriveInfo(Path).AvailableFreeSpace; }
            catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException) { return -1; }
        }
    }
}

/// <summary>Healthy while capture delivers samples and the recorder keeps up (what also drives systemd's watchdog).</summary>
internal sealed class RigLoopHealthCheck(Systemd.RigLoopHealth health) : Microsoft.Extensions.Diagnostics.HealthChecks.IHealthCheck
{
    public Task<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult> CheckHealthAsync(
        Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(health.Current is { } reason
            ? Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Unhealthy(reason)
            : Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy());
}

/// <summary>Healthy while the session store can write.</summary>
internal sealed class StoreHealthCheck(ISessionWriter store) : Microsoft.Extensions.Diagnostics.HealthChecks.IHealthCheck
{
    public Task<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult> CheckHealthAsync(
        Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(store.WriteFailure is { } failure
            ? Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Unhealthy(failure)
            : Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy());
}
