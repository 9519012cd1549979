using System.Globalization;
using System.Text;
using EdgeRig.Recording;

namespace EdgeRig.Service.Dashboard;

/// <summary>
/// GET /metrics in the Prometheus text exposition format (0.0.4): per-stream rate, liveness, samples, recorded,
/// drops, sensor gaps, error bound and drift; recording state and backlog; PTP lock and offset; disk free and write
/// rate. Needs a bearer token of any role (Prometheus: `authorization: { credentials_file: ... }`).
/// </summary>
public static class MetricsEndpoint
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static void Map(WebApplication app) =>
        app.MapGet("/metrics", (DashboardStatus status, RecordingPipeline pipeline) =>
            Results.Text(Render(status.Current(), pipeline.RecordingBacklog), ContentType)).RequireToken("/edgerig.v1.Rig/GetStatus");

    public static string Render(StatusView s, double backlog)
    {
        var text = new StringBuilder();
        void Family(string name, string type, string help, IEnumerable<(string Labels, double Value)> values)
        {
            text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            foreach (var (labels, value) in values)
                text.Append(name).Append(labels).Append(' ').Append(Number(value)).Append('\n');
        }
        IEnumerable<(string, double)> PerStream(Func<StreamView, double> value) =>
            s.Streams.Select(v => ($"{{stream=\"{Escape(v.Id)}\",modality=\"{v.Modality}\",device=\"{Escape(v.Device)}\"}}", value(v)));
        (string, double)[] One(double value) => [("", value)];

        Family("edgerig_stream_live", "gauge", "1 if the stream delivered recently.", PerStream(v => v.Live ? 1 : 0));
        Family("edgerig_stream_rate_hz", "gauge", "Measured sample rate.", PerStream(v => v.RateHz));
        Family("edgerig_stream_nominal_rate_hz", "gauge", "Rate the rig file promises (0 for event streams).", PerStream(v => v.NominalHz));
        Family("edgerig_stream_samples_total", "counter", "Samples seen since the service started.", PerStream(v => v.Samples));
        Family("edgerig_stream_recorded", "gauge", "Samples recorded in the open session.", PerStream(v => v.Recorded));
        Family("edgerig_stream_dropped", "gauge", "Samples dropped (queue full) in the open session.", PerStream(v => v.Dropped));
        Family("edgerig_stream_sensor_gaps", "gauge", "Sequence gaps from the device in the open session.", PerStream(v => v.Gaps));
        Family("edgerig_stream_error_bound_seconds", "gauge", "Rig-time error bound of the latest sample.", PerStream(v => v.ErrorBoundMs / 1e3));
        Family("edgerig_stream_drift_ppm", "gauge", "Estimated drift of the device clock.", PerStream(v => v.DriftPpm));
        Family("edgerig_recording", "gauge", "1 while a session is recording.", One(s.Recording ? 1 : 0));
        Family("edgerig_recording_seconds", "gauge", "Duration of the open session.", One(s.RecordingSeconds));
        Family("edgerig_recording_backlog", "gauge", "Samples queued for the recorder (queue depth).", One(backlog));
        Family("edgerig_ptp_locked", "gauge", "1 if PTP is locked.", One(s.Ptp.Locked ? 1 : 0));
        Family("edgerig_ptp_available", "gauge", "1 if ptp4l answered the last poll.", One(s.Ptp.Available ? 1 : 0));
        if (s.Ptp.OffsetNs is { } offset)
            Family("edgerig_ptp_offset_seconds", "gauge", "ptp4l's offset from master.", One(offset / 1e9));
        Family("edgerig_disk_free_bytes", "gauge", "Free space in the data directory.", One(s.DiskFreeBytes));
        Family("edgerig_write_bytes_per_second", "gauge", "Disk write rate (measured while recording, else estimated).", One(s.WriteBytesPerSecond));
        return text.ToString();
    }

    private static string Number(double v) => double.IsNaN(v) ? "NaN" : double.IsPositiveInfinity(v) ? "+Inf" : double.IsNegativeInfinity(v) ? "-Inf"
        : v.ToString("R", CultureInfo.InvariantCulture);

    private static string Escape(string label) => label.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");
}
