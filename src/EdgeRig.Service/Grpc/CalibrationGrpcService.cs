using EdgeRig.Api.V1;
using EdgeRig.Calibration;
using EdgeRig.Calibration.Motion;
using EdgeRig.Calibration.Profiles;
using EdgeRig.Calibration.Stimulus;
using EdgeRig.Core;
using EdgeRig.Service.Security;
using global::Grpc.Core;

namespace EdgeRig.Service.Grpc;

/// <summary>
/// Calibration over gRPC (lab and admin roles): stimulus and motion runs, live (<see cref="LiveCalibration"/> records them) or
/// on a recorded session, each stream judged against the rig file's tolerance; and the versioned profiles.
/// </summary>
public sealed class CalibrationGrpcService(ISessionStore store, ICalibrationProfileStore profiles, DataDirectory data, TimeProvider time,
    RigProfile rig, LiveCalibration live) : Api.V1.Calibration.CalibrationBase
{
    public override async Task<CalibrationReport> RunStimulus(RunStimulusRequest request, ServerCallContext context)
    {
        long started = time.GetTimestamp();
        if (request.Count < 0 || request.Count > 1000) throw new ArgumentException($"count must be 0..1000 (0: the rig file's calibration.stimulusCount), was {request.Count}");
        string id;
        List<StimulusReference> references;
        string source;
        if (string.IsNullOrWhiteSpace(request.SessionId))
        {
            var recording = await live.RecordStimuliAsync(request.Count > 0 ? request.Count : rig.Calibration.StimulusCount, context.CancellationToken);
            (id, references, source) = (recording.SessionId, recording.References.ToList(), recording.Source);
        }
        else
        {
            if (request.Count != 0) throw new ArgumentException("count applies to a live run only; leave it 0 with session_id");
            id = request.SessionId;
            (references, source) = StimulusReferences(RecordedSession(id));
        }
        var record = store.GetSession(id);
        var results = await Task.Run(() => StimulusCalibrator.Calibrate(SessionStreams.FromStore(store, id), references, StimulusOptions.For(rig.Calibration)), context.CancellationToken);
        var report = Report("stimulus", record, results, request.SaveAs, request.Note, context, saveRefused: null);
        report.References = source;
        report.Stimuli = references.Count;
        report.RunSeconds = time.GetElapsedTime(started).TotalSeconds;
        return report;
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
        var record = store.GetSession(id);
        var streams = SessionStreams.FromStore(store, id);
        var gyro = (request.GyroStream.Length > 0 ? streams.FirstOrDefault(s => s.Descriptor.Id.Value == request.GyroStream)
                : streams.FirstOrDefault(s => s.Descriptor.Modality == Modality.Imu))
            ?? throw new ArgumentException(request.GyroStream.Length > 0 ? $"gyro_stream: session '{id}' has no stream '{request.GyroStream}'" : $"session '{id}' has no IMU stream to take the gyro from");
        if (gyro.Descriptor.Modality != Modality.Imu) throw new ArgumentException($"gyro_stream: '{request.GyroStream}' is not an IMU stream");
        string gyroId = gyro.Descriptor.Id.Value;
        var gyroProfile = GyroProfile(request.GyroProfile, gyroId);
        var gyroCalibration = gyroProfile?.For(gyroId);
        var options = new MotionOptions
        {
            GyroOffset = new Duration((long)Math.Round(gyroCalibration?.OffsetNs ?? 0)),
            GyroOffsetHalfWidth = new Duration((long)Math.Round(gyroCalibration is { } g ? (g.CiHighNs - g.CiLowNs) / 2 : 0)),
            CameraRadiansPerPixel = CameraRadiansPerPixel(streams),
        };
        var others = streams.Where(s => s.Descriptor.Modality is Modality.Camera or Modality.Lidar).ToList();
        var results = await Task.Run(() => MotionCalibrator.Calibrate(gyro, others, options), context.CancellationToken);
        string? refused = gyroCalibration is null ? $"the offsets are relative to {gyroId}: give gyro_profile (a profile with {gyroId}'s offset) to save an absolute profile" : null;
        if (gyroCalibration is not null)
        {
            // profiles keep cameras to the exposure start, and the gyro itself as the profile gave it
            var modality = streams.ToDictionary(s => s.Descriptor.Id.Value, s => s.Descriptor.Modality);
            results = results.Select(r => MotionCalibrator.ToExposureStart(r, modality[r.Stream], Duration.FromMilliseconds(10))).Append(new StreamOffset(gyroId,
                $"from {gyroProfile!.Name}@{gyroProfile.Version} ({gyroCalibration.Method})", gyroCalibration.OffsetNs, gyroCalibration.CiLowNs, gyroCalibration.CiHighNs, [], null)).ToList();
        }
        var report = Report("motion", record, results, request.SaveAs, request.Note, context, refused);
        report.References = gyroCalibration is null ? $"gyro {gyroId} (offsets relative to it)" : $"gyro {gyroId}, its offset {gyroCalibration.OffsetNs / 1e6:0.000} ms from {gyroProfile!.Name}@{gyroProfile.Version}";
        report.RelativeTo = gyroCalibration is null ? gyroId : "";
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
    private CalibrationReport Report(string method, SessionRecord record, IReadOnlyList<StreamOffset> results, string saveAs, string note, ServerCallContext context, string? saveRefused)
    {
        var modality = record.Streams.ToDictionary(s => s.Id.Value, s => s.Modality);
        var verdicts = StreamVerdict.Judge(results, s => modality.TryGetValue(s, out var m) ? m : null, rig.Calibration.Tolerance);
        var report = new CalibrationReport { SessionId = record.Session.Id, Method = method, Passed = verdicts.Count > 0 && verdicts.All(v => v.Passed) };
        report.Streams.AddRange(verdicts.Select(v => new StreamOffsetInfo
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
        if (saveAs.Length == 0) return report;
        if (saveRefused is not null)
        {
            report.NotSavedBecause = $"not saving profile '{saveAs}': {saveRefused}";
            return report;
        }
        string who = AuthInterceptor.CallerOf(context)?.TokenName ?? "";
        try
        {
            var draft = CalibrationProfile.FromRun(saveAs, record.Session.RigName, verdicts, record.Streams.ToDictionary(s => s.Id.Value, s => s.DeviceId),
                who, note, time.GetUtcNow());
            report.Saved = ToApi(profiles.Save(draft));
        }
        catch (InvalidOperationException e)
        {
            report.NotSavedBecause = e.Message;
        }
        return report;
    }

    /// <summary>The profile giving the gyro's offset: the one asked for (which must have it), else the rig's latest if it has it.</summary>
    private CalibrationProfile? GyroProfile(string reference, string gyro)
    {
        if (reference.Length > 0)
        {
            var asked = Resolve(profiles, reference);
            return asked.For(gyro) is null ? throw new ArgumentException($"gyro_profile: '{reference}' has no offset for {gyro}") : asked;
        }
        return Active(profiles, rig.Name) is { } active && Resolve(profiles, active) is { } latest && latest.For(gyro) is not null ? latest : null;
    }

    /// <summary>Angle per pixel of the (first) camera: the simulated cameras' field of view over their width (only scales the rate).</summary>
    private static double CameraRadiansPerPixel(IReadOnlyList<RecordedStream> streams) =>
        streams.FirstOrDefault(s => s.Descriptor.Modality == Modality.Camera)?.Descriptor.Parameters.GetValueOrDefault("width") is { } w && int.TryParse(w, out int width) && width > 0
            ? Devices.Camera.SimulatedCamera.HorizontalFieldOfViewRad / width
            : 0.001;

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
            var profile = Resolve(profiles, request.Profile);
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

    /// <summary>The profile a new session of this rig starts with: the latest version of the most recently saved profile.</summary>
    public static string? Active(ICalibrationProfileStore profiles, string rig) =>
        profiles.ListLatest(rig).OrderByDescending(p => p.CreatedAt).FirstOrDefault() is { } p ? $"{p.Name}@{p.Version}" : null;

    /// <summary>Resolves "NAME" or "NAME@VERSION" to a saved profile.</summary>
    /// <exception cref="ArgumentException">the reference is malformed or names no saved profile.</exception>
    public static CalibrationProfile Resolve(ICalibrationProfileStore profiles, string reference)
    {
        int at = reference.LastIndexOf('@');
        string name = at > 0 ? reference[..at] : reference;
        int? version = null;
        if (at > 0)
            version = int.TryParse(reference[(at + 1)..], out int v) && v > 0 ? v : throw new ArgumentException($"calibration '{reference}': the version after '@' must be a positive number");
        return profiles.Get(name, version) ?? throw new ArgumentException($"calibration profile '{reference}' does not exist");
    }

    /// <summary>A recorded session's references: its stimulus markers (a live run's trigger edges), else the simulated world's ground truth.</summary>
    private (List<StimulusReference>, string) StimulusReferences(SessionRecord record)
    {
        var markers = LiveCalibration.ReferencesFromMarkers(record);
        if (markers.Count > 0) return (markers, "the session's stimulus markers (trigger edges)");
        long from = record.Session.Start.Nanoseconds + 300_000_000, to = (record.Session.Stop ?? record.Session.Start).Nanoseconds - 700_000_000;
        var truth = GroundTruthLog.Read(data.Path)
            .Where(e => e.RigNs > from && e.RigNs < to)
            .Select(e => new StimulusReference(e.Number, new RigTime(e.RigNs))).ToList();
        if (truth.Count == 0)
            throw new InvalidRigStateException($"session '{record.Session.Id}' has no stimulus references: no stimulus markers (record it with a live run: calibrate run without --session) and no simulated world events in {GroundTruthLog.PathFor(data.Path)}");
        return (truth, "the simulated world's ground truth");
    }

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
        };
        info.Streams.AddRange(p.Streams.Select(s => new StreamCalibrationInfo
        {
            Stream = s.Stream, DeviceId = s.DeviceId, OffsetNs = s.OffsetNs, CiLowNs = s.CiLowNs, CiHighNs = s.CiHighNs, EventsUsed = s.EventsUsed, Method = s.Method,
        }));
        return info;
    }
}
