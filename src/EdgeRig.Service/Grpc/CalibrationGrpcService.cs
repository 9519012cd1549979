using System.Text.Json;
using EdgeRig.Api;
using EdgeRig.Api.V1;
using EdgeRig.Calibration;
using EdgeRig.Calibration.Profiles;
using EdgeRig.Calibration.Stimulus;
using EdgeRig.Core;
using EdgeRig.Devices.Simulation;
using EdgeRig.Formats;
using EdgeRig.Service.Security;
using global::Grpc.Core;

namespace EdgeRig.Service.Grpc;

/// <summary>
/// Calibration over gRPC (lab and admin roles), an adapter over <see cref="CalibrationRunner"/>: stimulus and motion runs,
/// live (<see cref="LiveCalibration"/> records them) or on a recorded session; and the versioned profiles.
/// </summary>
public sealed class CalibrationGrpcService(ISessionStore store, ICalibrationProfileStore profiles, DataDirectory data, TimeProvider time,
    RigProfile rig, LiveCalibration live, CalibrationRunner runner) : Api.V1.Calibration.CalibrationBase
{
    public override async Task<CalibrationReport> RunStimulus(RunStimulusRequest request, ServerCallContext context)
    {
        long started = time.GetTimestamp();
        if (request.Count < 0 || request.Count > 1000) throw new ArgumentException($"count must be 0..1000 (0: the rig file's calibration.stimulusCount), was {request.Count}");
        string id;
        IReadOnlyList<StimulusReference> references;
        string source;
        if (string.IsNullOrWhiteSpace(request.SessionId))
        {
            var recording = await live.RecordStimuliAsync(request.Count > 0 ? request.Count : rig.Calibration.StimulusCount, context.CancellationToken);
            (id, references, source) = (recording.SessionId, recording.References, recording.Source);
        }
        else
        {
            if (request.Count != 0) throw new ArgumentException("count applies to a live run only; leave it 0 with session_id");
            id = request.SessionId;
            (references, source) = CalibrationRunner.ReferencesOf(RecordedSession(id),
                () => GroundTruthLog.Read(data.Path).Select(e => new StimulusReference(e.Number, new RigTime(e.RigNs))), GroundTruthLog.PathFor(data.Path));
        }
        var run = await Task.Run(() => runner.Stimulus(new SessionStoreSource(store, id), references, source), context.CancellationToken);
        return Report(run, request.SaveAs, request.Note, context, started);
    }

    public override async Task<CalibrationReport> RunMotion(RunMotionRequest request, ServerCallContext context)
    {
        long started = time.GetTimestamp();
        if (double.IsNaN(request.Seconds) || request.Seconds < 0 || request.Seconds > 600) throw new ArgumentException($"seconds must be 0..600 (0: the rig file's calibration.motionSeconds), was {request.Seconds}");
        string id;
        if (string.IsNullOrWhiteSpace(request.SessionId))
            id = await live.RecordMotionAsync(request.Seconds > 0 ? request.Seconds : rig.Calibration.MotionSeconds, context.CancellationToken);
        else
        {
            if (request.Seconds != 0) throw new ArgumentException("seconds applies to a live run only; leave it 0 with session_id");
            id = request.SessionId;
            RecordedSession(id);
        }
        var run = await Task.Run(() => runner.Motion(new SessionStoreSource(store, id), request.GyroStream, request.GyroProfile), context.CancellationToken);
        return Report(run, request.SaveAs, request.Note, context, started);
    }

    public override async Task<SpatialCalibrationReport> RunSpatial(RunSpatialRequest request, ServerCallContext context)
    {
        long started = time.GetTimestamp();
        if (double.IsNaN(request.Seconds) || request.Seconds < 0 || request.Seconds > 600) throw new ArgumentException($"seconds must be 0..600 (0: the simulated target script's length, else 45 s), was {request.Seconds}");
        Vision.Spatial.ChessboardSpec.Of(rig); // refuses a rig file without a board before anything is recorded
        string id;
        if (string.IsNullOrWhiteSpace(request.SessionId))
            id = await live.RecordSpatialAsync(request.Seconds, context.CancellationToken);
        else
        {
            if (request.Seconds != 0) throw new ArgumentException("seconds applies to a live run only; leave it 0 with session_id");
            id = request.SessionId;
            RecordedSession(id);
        }
        var options = new Vision.Spatial.SpatialRunOptions { ReferenceStream = request.ReferenceStream.Length > 0 ? request.ReferenceStream : null };
        var (streams, damaged) = SessionStreams.Read(new SessionStoreSource(store, id));
        var result = await Task.Run(() => Vision.Spatial.SpatialCalibrator.Calibrate(streams, rig, options), context.CancellationToken);
        var report = new SpatialCalibrationReport
        {
            SessionId = id, Passed = result.Passed, ImuLagNs = result.ImuLagNs, Tolerances = ProfileJson.Read<SpatialTolerances>(JsonSerializer.Serialize(rig.Calibration.Spatial, JsonSerializerOptions.Web)),
            Result = ProfileJson.Read<SpatialSection>(new SpatialCalibration(result.ReferenceStream, result.Cameras, result.Frames).ToJson()),
        };
        report.Failures.AddRange(result.Failures.Select(f => new SpatialFailureInfo { Name = f.Name, Stream = f.Stream, Message = f.Message }));
        report.DamagedChunks.AddRange(damaged.Select(p => p.ToString()));
        if (request.SaveAs.Length > 0)
        {
            var (saved, notSaved) = result.SaveAs(profiles, request.SaveAs, store.GetSession(id).Session.RigName,
                AuthInterceptor.CallerOf(context)?.TokenName ?? "", request.Note, time.GetUtcNow());
            (report.Saved, report.NotSavedBecause) = (saved is null ? null : ToApi(saved), notSaved);
        }
        report.RunSeconds = time.GetElapsedTime(started).TotalSeconds;
        return report;
    }

    private SessionRecord RecordedSession(string id)
    {
        var record = store.GetSession(id);
        if (record.Session.State == SessionState.Recording)
            throw new InvalidRigStateException($"session '{id}' is still recording; stop it before calibrating");
        return record;
    }

    /// <summary>The report of a run: every stream judged against the rig's tolerance; saved as a profile only if all passed.</summary>
    private CalibrationReport Report(CalibrationRun run, string saveAs, string note, ServerCallContext context, long started)
    {
        string who = AuthInterceptor.CallerOf(context)?.TokenName ?? "";
        var outcome = runner.Judge(run, saveAs, who, note, time.GetUtcNow());
        var report = new CalibrationReport
        {
            SessionId = run.Record.Session.Id, Method = run.Method, Passed = outcome.Passed, References = run.References, RelativeTo = run.RelativeTo,
            Stimuli = run.Stimuli, NotSavedBecause = outcome.NotSavedBecause, Saved = outcome.Saved is { } saved ? ToApi(saved) : null,
        };
        report.Streams.AddRange(outcome.Verdicts.Select(v => new StreamOffsetInfo
        {
            Stream = v.Offset.Stream,
            Method = v.Offset.Method,
            OffsetNs = v.Offset.OffsetNs,
            CiLowNs = v.Offset.CiLowNs,
            CiHighNs = v.Offset.CiHighNs,
            EventsUsed = v.Offset.EventsUsed,
            EventsRejected = v.Offset.EventsRejected,
            ResidualRmsNs = v.Offset.ResidualRmsNs,
            FailedBecause = v.FailedBecause ?? "",
            Passed = v.Passed,
            ToleranceNs = double.IsFinite(v.ToleranceNs) ? v.ToleranceNs : 0,
        }));
        report.DamagedChunks.AddRange(run.Damaged.Select(p => p.ToString()));
        report.RunSeconds = time.GetElapsedTime(started).TotalSeconds;
        return report;
    }

    public override Task<ListProfilesResponse> ListProfiles(ListProfilesRequest request, ServerCallContext context)
    {
        var reply = new ListProfilesResponse();
        reply.Profiles.AddRange(profiles.ListLatest(request.Rig.Length > 0 ? request.Rig : null).Select(ToApi));
        return Task.FromResult(reply);
    }

    public override Task<GetProfileResponse> GetProfile(GetProfileRequest request, ServerCallContext context)
    {
        var profile = profiles.Get(request.Name, request.Version > 0 ? request.Version : null)
            ?? throw new NotFoundException($"calibration profile '{request.Name}'{(request.Version > 0 ? $" v{request.Version}" : "")} does not exist");
        var reply = new GetProfileResponse { Profile = ToApi(profile) };
        reply.History.AddRange(profiles.History(request.Name).Select(ToApi));
        return Task.FromResult(reply);
    }

    public override Task<ApplyProfileResponse> ApplyProfile(ApplyProfileRequest request, ServerCallContext context)
    {
        string id = string.IsNullOrWhiteSpace(request.SessionId) ? throw new ArgumentException("session_id must not be empty") : request.SessionId;
        var record = store.GetSession(id);
        string applied = "";
        if (request.Profile != "none")
        {
            var profile = profiles.Resolve(request.Profile);
            try
            {
                foreach (var stream in record.Streams) CalibrationApplier.OffsetFor(profile, stream); // refuses another device's calibration
            }
            catch (InvalidOperationException e)
            {
                throw new ArgumentException(e.Message);
            }
            applied = $"{profile.Name}@{profile.Version}";
        }
        store.SetCalibration(id, applied);
        return Task.FromResult(new ApplyProfileResponse { SessionId = id, Calibration = applied });
    }

    /// <summary>The profile a new session of this rig starts with (see <see cref="CalibrationProfileLookup.ActiveReference"/>).</summary>
    public static string? Active(ICalibrationProfileStore profiles, string rig) => profiles.ActiveReference(rig);

    public static ProfileInfo ToApi(CalibrationProfile p)
    {
        var info = new ProfileInfo
        {
            Name = p.Name,
            Version = p.Version,
            Rig = p.Rig,
            CreatedMs = p.CreatedAt.ToUnixTimeMilliseconds(),
            CreatedBy = p.CreatedBy,
            Note = p.Note,
            Json = p.ToJson(),
            Spatial = p.Spatial is { } spatial ? ProfileJson.Read<SpatialSection>(spatial.ToJson()) : null,
        };
        info.Streams.AddRange(p.Streams.Select(s => new StreamCalibrationInfo
        {
            Stream = s.Stream, DeviceId = s.DeviceId, OffsetNs = s.OffsetNs, CiLowNs = s.CiLowNs, CiHighNs = s.CiHighNs, EventsUsed = s.EventsUsed, Method = s.Method,
        }));
        return info;
    }
}
