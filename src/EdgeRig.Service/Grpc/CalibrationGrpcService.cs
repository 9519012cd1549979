using EdgeRig.Api.V1;
using EdgeRig.Calibration;
using EdgeRig.Calibration.Profiles;
using EdgeRig.Calibration.Stimulus;
using EdgeRig.Core;
using EdgeRig.Service.Security;
using global::Grpc.Core;

namespace EdgeRig.Service.Grpc;

/// <summary>Calibration over gRPC: stimulus runs on recorded sessions, and the versioned profiles (lab and admin roles).</summary>
public sealed class CalibrationGrpcService(ISessionStore store, ICalibrationProfileStore profiles, DataDirectory data, TimeProvider time) : Api.V1.Calibration.CalibrationBase
{
    public override Task<CalibrationReport> RunStimulus(RunStimulusRequest request, ServerCallContext context)
    {
        string id = string.IsNullOrWhiteSpace(request.SessionId) ? throw new ArgumentException("session_id must not be empty") : request.SessionId;
        var record = store.GetSession(id);
        if (record.Session.State == SessionState.Recording)
            throw new InvalidRigStateException($"session '{id}' is still recording; stop it before calibrating");
        var references = StimulusReferences(record);
        if (references.Count == 0)
            throw new InvalidRigStateException($"session '{id}' has no stimulus references: on the simulated rig they come from {GroundTruthLog.PathFor(data.Path)}; firing the GPIO trigger on a real rig is not wired yet");
        var results = StimulusCalibrator.Calibrate(SessionStreams.FromStore(store, id), references);
        var report = new CalibrationReport { Passed = results.All(r => r.Succeeded) };
        report.Streams.AddRange(results.Select(r => new StreamOffsetInfo
        {
            Stream = r.Stream,
            Method = r.Method,
            OffsetNs = r.OffsetNs,
            CiLowNs = r.CiLowNs,
            CiHighNs = r.CiHighNs,
            EventsUsed = r.EventsUsed,
            EventsRejected = r.EventsRejected,
            ResidualRmsNs = r.ResidualRmsNs,
            FailedBecause = r.FailedBecause ?? "",
        }));
        if (request.SaveAs.Length > 0)
        {
            string who = context.UserState.TryGetValue(AuthInterceptor.CallerKey, out var c) ? ((Caller)c).TokenName : "";
            CalibrationProfile draft;
            try
            {
                draft = CalibrationProfile.FromRun(request.SaveAs, record.Session.RigName, results,
                    record.Streams.ToDictionary(s => s.Id.Value, s => s.DeviceId), who, request.Note, time.GetUtcNow());
            }
            catch (InvalidOperationException e)
            {
                throw new InvalidRigStateException(e.Message);
            }
            report.Saved = ToApi(profiles.Save(draft));
        }
        return Task.FromResult(report);
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

    private List<StimulusReference> StimulusReferences(SessionRecord record)
    {
        long from = record.Session.Start.Nanoseconds + 300_000_000, to = (record.Session.Stop ?? record.Session.Start).Nanoseconds - 700_000_000;
        return GroundTruthLog.Read(data.Path)
            .Where(e => e.RigNs > from && e.RigNs < to)
            .Select(e => new StimulusReference(e.Number, new RigTime(e.RigNs))).ToList();
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
