using EdgeRig.Recording;
using Prometheus;

namespace EdgeRig.Service.Dashboard;

/// <summary>
/// GET /metrics for Prometheus, through prometheus-net with a registry of EdgeRig's own series, refreshed on each
/// scrape: per-stream rate, liveness, samples, recorded, drops, sensor gaps, error bound and drift; recording state
/// and queue depth; PTP lock and offset; disk free and write rate. Needs a bearer token of any role
/// (Prometheus: `authorization: { credentials_file: ... }`).
/// </summary>
public sealed class MetricsEndpoint
{
    private static readonly string[] StreamLabels = ["stream", "modality", "device"];
    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly Gauge _live, _rate, _nominal, _recorded, _dropped, _gaps, _bound, _drift;
    private readonly Counter _samples;
    private readonly Gauge _recording, _recordingSeconds, _backlog, _ptpLocked, _ptpAvailable, _ptpOffset, _diskFree, _writeRate;
    private readonly Gauge _uploadBacklog, _uploadRate, _uploadPaused, _uploadSessions;
    private readonly Counter _uploadedBytes, _uploadFailures;
    private readonly SemaphoreSlim _scrape = new(1, 1);

    private MetricsEndpoint()
    {
        var f = Metrics.WithCustomRegistry(_registry);
        Gauge PerStream(string name, string help) => f.CreateGauge(name, help, new GaugeConfiguration { LabelNames = StreamLabels });
        _live = PerStream("edgerig_stream_live", "1 if the stream delivered recently.");
        _rate = PerStream("edgerig_stream_rate_hz", "Measured sample rate.");
        _nominal = PerStream("edgerig_stream_nominal_rate_hz", "Rate the rig file promises (0 for event streams).");
        _samples = f.CreateCounter("edgerig_stream_samples_total", "Samples seen since the service started.", new CounterConfiguration { LabelNames = StreamLabels });
        _recorded = PerStream("edgerig_stream_recorded", "Samples recorded in the open session.");
        _dropped = PerStream("edgerig_stream_dropped", "Samples dropped (queue full) in the open session.");
        _gaps = PerStream("edgerig_stream_sensor_gaps", "Sequence gaps from the device in the open session.");
        _bound = PerStream("edgerig_stream_error_bound_seconds", "Rig-time error bound of the latest sample.");
        _drift = PerStream("edgerig_stream_drift_ppm", "Estimated drift of the device clock.");
        _recording = f.CreateGauge("edgerig_recording", "1 while a session is recording.");
        _recordingSeconds = f.CreateGauge("edgerig_recording_seconds", "Duration of the open session.");
        _backlog = f.CreateGauge("edgerig_recording_backlog", "Fill of the fullest recorder queue, 0..1 (queue depth).");
        _ptpLocked = f.CreateGauge("edgerig_ptp_locked", "1 if PTP is locked.");
        _ptpAvailable = f.CreateGauge("edgerig_ptp_available", "1 if ptp4l answered the last poll.");
        _ptpOffset = f.CreateGauge("edgerig_ptp_offset_seconds", "ptp4l's offset from master (0 when unknown).");
        _diskFree = f.CreateGauge("edgerig_disk_free_bytes", "Free space in the data directory.");
        _writeRate = f.CreateGauge("edgerig_write_bytes_per_second", "Disk write rate (measured while recording, else estimated).");
        _uploadBacklog = f.CreateGauge("edgerig_upload_backlog_bytes", "Bytes of finished sessions not uploaded yet (held ones included).");
        _uploadRate = f.CreateGauge("edgerig_upload_rate_bytes_per_second", "Upload rate of the session being uploaded.");
        _uploadPaused = f.CreateGauge("edgerig_upload_paused", "1 while uploads are paused.");
        _uploadSessions = f.CreateGauge("edgerig_upload_sessions", "Sessions in the upload queue per state.", new GaugeConfiguration { LabelNames = ["state"] });
        _uploadedBytes = f.CreateCounter("edgerig_upload_uploaded_bytes_total", "Bytes sent to the bucket since the service started.");
        _uploadFailures = f.CreateCounter("edgerig_upload_failures_total", "Failed upload attempts since the service started.");
    }

    public static void Map(WebApplication app)
    {
        var metrics = new MetricsEndpoint();
        app.MapGet("/metrics", async (HttpContext http, DashboardStatus status, RecordingPipeline pipeline) =>
        {
            await metrics._scrape.WaitAsync(http.RequestAborted);
            try
            {
                metrics.Update(status.Current(), pipeline.RecordingBacklog);
                http.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                await metrics._registry.CollectAndExportAsTextAsync(http.Response.Body, http.RequestAborted);
            }
            finally
            {
                metrics._scrape.Release();
            }
        }).RequireToken("/edgerig.v1.Rig/GetStatus");
    }

    private void Update(StatusView s, double backlog)
    {
        foreach (var v in s.Streams)
        {
            string[] labels = [v.Id, v.Modality, v.Device];
            _live.WithLabels(labels).Set(v.Live ? 1 : 0);
            _rate.WithLabels(labels).Set(v.RateHz);
            _nominal.WithLabels(labels).Set(v.NominalHz);
            _samples.WithLabels(labels).IncTo(v.Samples);
            _recorded.WithLabels(labels).Set(v.Recorded);
            _dropped.WithLabels(labels).Set(v.Dropped);
            _gaps.WithLabels(labels).Set(v.Gaps);
            _bound.WithLabels(labels).Set(v.ErrorBoundMs / 1e3);
            _drift.WithLabels(labels).Set(v.DriftPpm);
        }
        _recording.Set(s.Recording ? 1 : 0);
        _recordingSeconds.Set(s.RecordingSeconds);
        _backlog.Set(backlog);
        _ptpLocked.Set(s.Ptp.Locked ? 1 : 0);
        _ptpAvailable.Set(s.Ptp.Available ? 1 : 0);
        _ptpOffset.Set(s.Ptp.OffsetNs is { } offset ? offset / 1e9 : 0);
        _diskFree.Set(s.DiskFreeBytes);
        _writeRate.Set(s.WriteBytesPerSecond);
        if (s.Upload is { } u)
        {
            _uploadBacklog.Set(u.BacklogBytes);
            _uploadRate.Set(u.RateBytesPerSecond);
            _uploadPaused.Set(u.Paused ? 1 : 0);
            _uploadSessions.WithLabels("queued").Set(u.Queued);
            _uploadSessions.WithLabels("uploading").Set(u.Uploading);
            _uploadSessions.WithLabels("uploaded").Set(u.Uploaded);
            _uploadSessions.WithLabels("held").Set(u.Held);
            _uploadSessions.WithLabels("failed").Set(u.Failed);
            _uploadedBytes.IncTo(u.UploadedBytesTotal);
            _uploadFailures.IncTo(u.FailuresTotal);
        }
    }
}
