using EdgeRig.Core;
using EdgeRig.Recording;

namespace EdgeRig.Service.Dashboard;

/// <summary>Body of POST /api/record/start.</summary>
public sealed record StartRequest(string? Name, string? Operator);

/// <summary>Body of POST /api/marker.</summary>
public sealed record MarkerRequest(string? Label, string? Note);

/// <summary>One session in the dashboard's list, with a QA verdict from its counts.</summary>
public sealed record SessionView(string Id, string Name, string Operator, string State, long StartMs, double Seconds,
    long Recorded, long Dropped, long Gaps, int Markers, long Bytes, string Verdict);

/// <summary>
/// The dashboard's JSON endpoints under /api: health (public), who am I, status, sessions, record start/stop and
/// markers. Roles are the gRPC methods' (technicians record and mark; any role reads); record and mark are audited.
/// </summary>
public static class DashboardApi
{
    public static void Map(WebApplication app)
    {
        var api = app.MapGroup("/api");
        api.MapGet("/health", () => Results.Json(new { ok = true }));
        api.MapGet("/whoami", (HttpContext http) => BearerAuth.CallerOf(http) is var c
            ? Results.Json(new { name = c.TokenName, role = c.Role.ToString().ToLowerInvariant() }) : Results.Empty).RequireToken("/edgerig.v1.Admin/WhoAmI");
        api.MapGet("/status", (DashboardStatus status) => Results.Json(status.Current())).RequireToken("/edgerig.v1.Rig/GetStatus");
        api.MapGet("/sessions", (ISessionCatalogue store, int? limit) => Results.Json(store.ListSessions()
            .OrderByDescending(s => s.Session.Start.Nanoseconds).Take(Math.Clamp(limit ?? 20, 1, 200)).Select(View).ToList()))
            .RequireToken("/edgerig.v1.Sessions/ListSessions");
        api.MapPost("/record/start", (HttpContext http, StartRequest? body, RecordingPipeline pipeline, IAuditLog audit) =>
            Audited(http, audit, "record.start", async () =>
            {
                string name = body?.Name ?? "", @operator = body?.Operator ?? BearerAuth.CallerOf(http).TokenName;
                Grpc.Validate.Text(name, "name", 200);
                Grpc.Validate.Text(@operator, "operator", 200);
                var session = await pipeline.StartAsync(name, @operator, new Dictionary<string, string> { ["source"] = "dashboard" });
                return (session.Id, (object)new { id = session.Id, name = session.Name });
            })).RequireToken("/edgerig.v1.Rig/StartRecording");
        api.MapPost("/record/stop", (HttpContext http, RecordingPipeline pipeline, IAuditLog audit) =>
            Audited(http, audit, "record.stop", async () =>
            {
                var record = await pipeline.StopAsync("stopped from the dashboard");
                return (record.Session.Id, (object)View(record));
            })).RequireToken("/edgerig.v1.Rig/StopRecording");
        api.MapPost("/marker", (HttpContext http, MarkerRequest? body, RecordingPipeline pipeline, IAuditLog audit) =>
            Audited(http, audit, "mark", () =>
            {
                string label = body?.Label is { Length: > 0 } l ? l : "marker";
                Grpc.Validate.Text(label, "label", 200);
                Grpc.Validate.Text(body?.Note ?? "", "note", 2000);
                var marker = pipeline.AddMarker(label, body?.Note ?? "");
                return Task.FromResult((pipeline.Active?.Id ?? "", (object)new { label = marker.Label, rigTimeMs = marker.Time.Nanoseconds / 1_000_000 }));
            })).RequireToken("/edgerig.v1.Rig/AddMarker");
    }

    /// <summary>Runs an action, appends the outcome to the audit trail as the gRPC calls do, and maps refusals to 400/409.</summary>
    private static async Task<IResult> Audited(HttpContext http, IAuditLog audit, string action, Func<Task<(string Session, object Reply)>> run)
    {
        var caller = BearerAuth.CallerOf(http);
        var time = http.RequestServices.GetRequiredService<TimeProvider>();
        void Append(string session, string detail, bool ok) =>
            audit.Append(new AuditEntry(time.GetUtcNow(), caller.TokenName, action, session, detail, ok));
        try
        {
            var (session, reply) = await run();
            Append(session, "via dashboard", true);
            return Results.Json(reply);
        }
        catch (Exception e) when (e is ArgumentException or InvalidRigStateException or SessionNotFoundException)
        {
            Append("", $"via dashboard: {Grpc.ErrorInterceptor.Bounded(e.Message)}", false);
            return Results.Json(new { error = e.Message }, statusCode: e is ArgumentException ? StatusCodes.Status400BadRequest : StatusCodes.Status409Conflict);
        }
    }

    private static SessionView View(SessionRecord r)
    {
        var s = r.Session;
        long recorded = r.Counts.Values.Sum(c => c.Recorded), dropped = r.Counts.Values.Sum(c => c.Dropped), gaps = r.Counts.Values.Sum(c => c.SensorGaps);
        string verdict = s.State == SessionState.Recording ? "recording"
            : r.QaVerdict == QaVerdict.Fail ? "check: QA failed"
            : r.QaVerdict == QaVerdict.Warn ? "check: QA warnings"
            : dropped > 0 ? $"check: {dropped} dropped"
            : s.State == SessionState.Recovered ? "check: recovered after a crash"
            : gaps > 0 ? $"ok ({gaps} sensor gaps)" : "ok";
        double seconds = s.Stop is { } stop ? (stop - s.Start).TotalSeconds : 0;
        return new SessionView(s.Id, s.Name, s.Operator, s.State.ToString().ToLowerInvariant(), s.Start.Nanoseconds / 1_000_000, seconds,
            recorded, dropped, gaps, r.Markers.Count, r.StoredBytes, verdict);
    }
}
