using EdgeRig.Core;
using EdgeRig.Privacy;
using EdgeRig.Recording;
using EdgeRig.Service.Privacy;
using EdgeRig.Service.Quality;
using EdgeRig.Storage;

namespace EdgeRig.Service;

/// <summary>Training-data readiness in the service: QA reports and gates, redaction, consent, encryption at rest.</summary>
public static class TrainingDataSetup
{
    public static void AddTrainingData(this IServiceCollection services, RigProfile rig, string dataDir)
    {
        if (rig.Privacy.EncryptAtRest || File.Exists(Path.Combine(dataDir, "keys", "data.keys")) || rig.Privacy.KeyFile.Length > 0)
            services.AddSingleton<IChunkCipher>(new KeyRingChunkCipher(OpenKeys(rig, dataDir))); // now: a bad key file refuses start-up
        services.AddSingleton(sp =>
        {
            var catalogue = sp.GetRequiredService<LiteDbSessionStore>();
            return new ReviewedConsentStore(new LiteDbConsentStore(catalogue), catalogue.CatalogueCollection(ReviewedConsentStore.Collection));
        });
        services.AddSingleton<IConsentStore>(sp => sp.GetRequiredService<ReviewedConsentStore>());
        services.AddSingleton<SessionQaReports>();
        services.AddSingleton<QaService>();
        // now: a bad cascade, or capture redaction without OpenCV, refuses start-up
        var faces = Native.FaceDetection.For(rig, NeedsFaces(rig));
        services.AddSingleton(faces);
        var egressRedactor = faces.Redactor is { } detector ? new CascadeFrameRedactor(detector) : null;
        var captureReport = rig.Privacy.Redaction == RedactionPolicy.Capture
            ? new CaptureRedactionReport(new CascadeFrameRedactor(Native.FaceDetection.For(rig, true, atCapture: true).Redactor!)) : null;
        services.AddSingleton(new CaptureRedactionSetup(captureReport));
        services.AddSingleton<ISessionLifecycle, SessionReports>();
        services.AddSingleton(sp => new EgressPolicy(rig, sp.GetRequiredService<IConsentStore>(), sp.GetRequiredService<TimeProvider>(), egressRedactor,
            faces.State.Available ? "not configured (privacy.redaction, privacy.faceCascade)" : faces.State.Detail));
        services.AddSingleton(sp =>
        {
            var pipeline = sp.GetRequiredService<RecordingPipeline>();
            if (captureReport is null) return new CaptureSink(pipeline);
            var cameras = pipeline.Streams.Where(s => s.Modality == Modality.Camera).Select(s => s.Id);
            return new CaptureSink(new RedactingSink(pipeline, cameras, captureReport, sp.GetRequiredService<ILogger<RedactingSink>>()));
        });
        services.AddHostedService<RecoveredSessionsQa>();
    }

    public static void MapTrainingData(this WebApplication app)
    {
        app.MapGrpcService<PrivacyGrpcService>();
    }

    /// <exception cref="RigProfileException">the key file or credential is missing, unreadable or not mode 0600 (names privacy.keyFile).</exception>
    private static KeyRing OpenKeys(RigProfile rig, string dataDir)
    {
        try
        {
            return KeyRingChunkCipher.OpenRing(rig.Privacy, dataDir);
        }
        catch (Exception e) when (e is KeyFileException or FileNotFoundException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            throw new RigProfileException(rig.Name, "privacy.keyFile", e.Message);
        }
    }

    /// <summary>Face detection is needed to redact at capture or on the way out (export policy, or consent required for video).</summary>
    private static bool NeedsFaces(RigProfile rig) =>
        rig.Privacy.Redaction != RedactionPolicy.Off || rig.Privacy.ConsentRequiredFor.Contains(ConsentScopes.Video);

    /// <summary>Once every service has started (sessions left recording are recovered by then): the QA report of each
    /// recovered session that has none, in the background, from its stored chunks.</summary>
    private sealed class RecoveredSessionsQa(SessionQaReports qa, ISessionCatalogue store, ILogger<RecoveredSessionsQa> logger) : IHostedLifecycleService
    {
        private Task _recoveredQa = Task.CompletedTask;

        public Task StartedAsync(CancellationToken cancellationToken)
        {
            _recoveredQa = Task.Run(() =>
            {
                foreach (var record in store.ListSessions().Where(r => r.Session.State == SessionState.Recovered && r.QaVerdict is null))
                {
                    try { qa.Finish(record, observer: null); }
                    catch (Exception e) when (e is IOException or InvalidOperationException or SessionNotFoundException)
                    {
                        logger.LogWarning("QA of recovered session {Session} failed: {Reason}", record.Session.Id, e.Message);
                    }
                }
            }, CancellationToken.None);
            return Task.CompletedTask;
        }

        public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StoppedAsync(CancellationToken cancellationToken) => _recoveredQa;
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
