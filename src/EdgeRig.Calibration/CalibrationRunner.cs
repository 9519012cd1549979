using EdgeRig.Calibration.Motion;
using EdgeRig.Calibration.Profiles;
using EdgeRig.Calibration.Stimulus;
using EdgeRig.Core;

namespace EdgeRig.Calibration;

/// <summary>
/// Runs the stimulus and motion methods on a recorded session, judges each stream against the rig's tolerance and saves a
/// profile only from a run that passed. The gRPC service is a thin adapter over it; recording a live run is not its job.
/// <paramref name="cameraFieldsOfViewRad"/> holds each camera's horizontal field of view by device id, as the rig file gives it.
/// </summary>
public sealed class CalibrationRunner(ICalibrationProfileStore profiles, string rigName, CalibrationSettings settings, ICameraYawRate? cameraYaw,
    IReadOnlyDictionary<string, double> cameraFieldsOfViewRad)
{
    /// <summary>World events this soon after a session's start are not used as references: the rig's clocks are still settling.</summary>
    public static readonly Duration GroundTruthAfterStart = Duration.FromMilliseconds(300);

    /// <summary>World events this close to a session's stop are not used as references: their responses may be cut off.</summary>
    public static readonly Duration GroundTruthBeforeStop = Duration.FromMilliseconds(700);

    /// <summary>Exposure assumed when a camera's motion offset (mid-exposure) is moved to the exposure start profiles keep.</summary>
    public static readonly Duration MotionExposure = Duration.FromMilliseconds(10);

    /// <summary>The stimulus method on a session, against the given references.</summary>
    public CalibrationRun Stimulus(ISessionSource session, IReadOnlyList<StimulusReference> references, string referencesSource)
    {
        var read = SessionStreams.Read(session);
        var results = StimulusCalibrator.Calibrate(read.Streams, references, StimulusOptions.For(settings));
        return new CalibrationRun("stimulus", session.Record, results, read.Damaged, referencesSource, RelativeTo: "", SaveRefused: null) { Stimuli = references.Count };
    }

    /// <summary>
    /// A recorded session's references: its stimulus markers (a live run's trigger edges), else the simulated world's events
    /// (<paramref name="worldEvents"/>, read only when needed) inside the session less its settling start and its tail.
    /// </summary>
    /// <exception cref="InvalidRigStateException">neither gives a reference.</exception>
    public static (IReadOnlyList<StimulusReference> References, string Source) ReferencesOf(SessionRecord record, Func<IEnumerable<StimulusReference>> worldEvents, string worldEventsWhere)
    {
        var markers = StimulusMarkers.Of(record);
        if (markers.Count > 0) return (markers, "the session's stimulus markers (trigger edges)");
        var from = record.Session.Start + GroundTruthAfterStart;
        var to = (record.Session.Stop ?? record.Session.Start) - GroundTruthBeforeStop;
        var truth = worldEvents().Where(e => e.Time > from && e.Time < to).ToList();
        if (truth.Count == 0)
            throw new InvalidRigStateException($"session '{record.Session.Id}' has no stimulus references: no stimulus markers (record it with a live run: calibrate run without --session) and no simulated world events in {worldEventsWhere}");
        return (truth, "the simulated world's ground truth");
    }

    /// <summary>
    /// The motion method on a session: <paramref name="gyroStream"/> (empty: the first IMU) against every camera and LIDAR. With a
    /// profile giving the gyro's own offset (<paramref name="gyroProfile"/>, else the rig's active profile if it has one) the
    /// offsets are absolute and may be saved; without one they are relative to the gyro and saving is refused.
    /// </summary>
    /// <exception cref="ArgumentException">no such gyro stream, not an IMU, or a gyro profile without the gyro.</exception>
    /// <exception cref="InvalidRigStateException">a camera's horizontal field of view is unknown (rig file devices.ID.horizontalFovDeg).</exception>
    public CalibrationRun Motion(ISessionSource session, string gyroStream, string gyroProfile)
    {
        string id = session.Record.Session.Id;
        var read = SessionStreams.Read(session);
        var streams = read.Streams;
        var gyro = (gyroStream.Length > 0 ? streams.FirstOrDefault(s => s.Descriptor.Id.Value == gyroStream)
                : streams.FirstOrDefault(s => s.Descriptor.Modality == Modality.Imu))
            ?? throw new ArgumentException(gyroStream.Length > 0 ? $"gyro_stream: session '{id}' has no stream '{gyroStream}'" : $"session '{id}' has no IMU stream to take the gyro from");
        if (gyro.Descriptor.Modality != Modality.Imu) throw new ArgumentException($"gyro_stream: '{gyroStream}' is not an IMU stream");
        string gyroId = gyro.Descriptor.Id.Value;
        var profile = GyroProfile(gyroProfile, gyroId);
        var gyroCalibration = profile?.For(gyroId);
        var options = new MotionOptions
        {
            GyroOffset = new Duration((long)Math.Round(gyroCalibration?.OffsetNs ?? 0)),
            GyroOffsetHalfWidth = new Duration((long)Math.Round(gyroCalibration is { } g ? (g.CiHighNs - g.CiLowNs) / 2 : 0)),
            CameraRadiansPerPixel = CameraRadiansPerPixel(streams),
        };
        var others = streams.Where(s => s.Descriptor.Modality is Modality.Camera or Modality.Lidar).ToList();
        var results = MotionCalibrator.Calibrate(gyro, others, cameraYaw, options);
        if (profile is null || gyroCalibration is null)
            return new CalibrationRun("motion", session.Record, results, read.Damaged, $"gyro {gyroId} (offsets relative to it)", gyroId,
                $"the offsets are relative to {gyroId}: give gyro_profile (a profile with {gyroId}'s offset) to save an absolute profile");
        // profiles keep cameras to the exposure start, and the gyro itself as the profile gave it
        var modality = streams.ToDictionary(s => s.Descriptor.Id.Value, s => s.Descriptor.Modality);
        var reference = new ProfileReference(profile.Name, profile.Version);
        results = results.Select(r => MotionCalibrator.ToExposureStart(r, modality[r.Stream], MotionExposure)).Append(new StreamOffset(gyroId,
            $"from {reference} ({gyroCalibration.Method})", gyroCalibration.OffsetNs, gyroCalibration.CiLowNs, gyroCalibration.CiHighNs, [], null)).ToList();
        return new CalibrationRun("motion", session.Record, results, read.Damaged,
            $"gyro {gyroId}, its offset {gyroCalibration.OffsetNs / 1e6:0.000} ms from {reference}", RelativeTo: "", SaveRefused: null);
    }

    /// <summary>
    /// Every stream of a run judged against the rig's tolerance; with <paramref name="saveAs"/>, saved as the next version of
    /// that profile if every stream passed (else <see cref="CalibrationOutcome.NotSavedBecause"/> says why not).
    /// </summary>
    public CalibrationOutcome Judge(CalibrationRun run, string saveAs, string createdBy, string note, DateTimeOffset now)
    {
        var record = run.Record;
        var modality = record.Streams.ToDictionary(s => s.Id.Value, s => s.Modality);
        var verdicts = StreamVerdict.Judge(run.Results, s => modality.TryGetValue(s, out var m) ? m : null, settings.Tolerance);
        bool passed = verdicts.Count > 0 && verdicts.All(v => v.Passed);
        if (saveAs.Length == 0) return new CalibrationOutcome(verdicts, passed, null, "");
        if (run.SaveRefused is not null) return new CalibrationOutcome(verdicts, passed, null, $"not saving profile '{saveAs}': {run.SaveRefused}");
        try
        {
            var draft = CalibrationProfile.FromRun(saveAs, record.Session.RigName, verdicts, record.Streams.ToDictionary(s => s.Id.Value, s => s.DeviceId), createdBy, note, now)
                with { Spatial = profiles.Get(saveAs)?.Spatial }; // a new version of time offsets keeps the name's spatial section
            return new CalibrationOutcome(verdicts, passed, profiles.Save(draft), "");
        }
        catch (InvalidOperationException e)
        {
            return new CalibrationOutcome(verdicts, passed, null, e.Message);
        }
    }

    /// <summary>The profile giving the gyro's offset: the one asked for (which must have it), else the rig's latest if it has it.</summary>
    private CalibrationProfile? GyroProfile(string reference, string gyro)
    {
        if (reference.Length > 0)
        {
            var asked = profiles.Resolve(reference);
            return asked.For(gyro) is null ? throw new ArgumentException($"gyro_profile: '{reference}' has no offset for {gyro}") : asked;
        }
        return profiles.ActiveReference(rigName) is { } active && profiles.Resolve(active) is { } latest && latest.For(gyro) is not null ? latest : null;
    }

    /// <summary>Angle per pixel of the (first) camera: its field of view over its width (only scales the rate). Every camera
    /// the optical flow measures needs its field of view from the rig file; none is assumed for a real camera.</summary>
    private double CameraRadiansPerPixel(IReadOnlyList<RecordedStream> streams)
    {
        var cameras = streams.Where(s => s.Descriptor.Modality == Modality.Camera).Select(s => s.Descriptor).ToList();
        if (cameras.Count == 0 || cameraYaw is null) return 0.001;
        if (cameras.FirstOrDefault(c => !cameraFieldsOfViewRad.ContainsKey(c.DeviceId)) is { } unknown)
            throw new InvalidRigStateException($"the motion method needs the horizontal field of view of camera '{unknown.DeviceId}': " +
                $"set devices.{unknown.DeviceId}.horizontalFovDeg in the rig file (degrees, from the lens or camera datasheet)");
        var first = cameras[0];
        return first.Parameters.GetValueOrDefault("width") is { } w && int.TryParse(w, out int width) && width > 0
            ? cameraFieldsOfViewRad[first.DeviceId] / width
            : 0.001;
    }
}

/// <summary>
/// What a calibration run found on a session: each stream's offset, the damaged chunks it had to leave out, what the offsets
/// are measured against, and why it may not be saved (null: it may).
/// </summary>
public sealed record CalibrationRun(string Method, SessionRecord Record, IReadOnlyList<StreamOffset> Results, IReadOnlyList<ChunkProblem> Damaged,
    string References, string RelativeTo, string? SaveRefused)
{
    /// <summary>Stimuli used as references (stimulus runs).</summary>
    public int Stimuli { get; init; }
}

/// <summary>A run judged: each stream's verdict, whether all passed, and the profile saved from it or why none was.</summary>
public sealed record CalibrationOutcome(IReadOnlyList<StreamVerdict> Verdicts, bool Passed, CalibrationProfile? Saved, string NotSavedBecause);
