using EdgeRig.Core;
using EdgeRig.Formats;
using EdgeRig.Timing;
using Microsoft.Extensions.Logging;

namespace EdgeRig.Recording;

/// <summary>A snapshot of one stream for status.</summary>
public sealed record StreamStatus(StreamDescriptor Descriptor, bool Live, double RateHz, long Total, StreamCounts Session, Duration LastErrorBound, double DriftPpm);

/// <summary>A snapshot of the rig's recording state.</summary>
public sealed record RecordingStatus(Session? Active, IReadOnlyList<StreamStatus> Streams, string LastStopReason, ArmedStatus? Armed);

/// <summary>The armed (pre-trigger) mode: how far back a trigger will reach and what is held.</summary>
public sealed record ArmedStatus(Duration PreTrigger, long MaxBytes, long BufferedBytes, RigTime? Oldest, string Name);

/// <summary>Metadata for a session started later (by a trigger).</summary>
public sealed record SessionRequest(string Name, string Operator, IReadOnlyDictionary<string, string> Tags);

/// <summary>
/// Where capture delivers samples: the timing stage stamps them, live statistics observe them, and while a
/// session records they go to its channels. Start, stop and markers are the recording lifecycle; what it asks of the rest
/// of the rig (the start gate, the active calibration, QA and redaction reports) is given at construction.
/// </summary>
public sealed class RecordingPipeline : ISampleSink
{
    private readonly RigProfile _rig;
    private readonly StreamTimestamper _timestamper;
    private readonly ISessionStore _store;
    private readonly IRigClock _clock;
    private readonly TimeProvider _time;
    private readonly RecordingCollaborators _collaborators;
    private readonly ILogger<RecordingPipeline> _logger;
    private readonly Dictionary<StreamId, StreamStats> _stats;
    private readonly IReadOnlyList<StreamDescriptor> _streams;
    private readonly HashSet<StreamId> _markerButtons;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private volatile SessionRecorder? _active;
    private volatile PreTriggerBuffer? _armed;
    private SessionRequest? _armedRequest;
    private string _lastStopReason = "";

    public RecordingPipeline(RigProfile rig, IReadOnlyList<StreamDescriptor> streams, ISessionStore store, IRigClock clock, TimeProvider time,
        RecordingCollaborators collaborators, ILogger<RecordingPipeline> logger)
    {
        ArgumentNullException.ThrowIfNull(collaborators);
        ArgumentNullException.ThrowIfNull(time);
        _rig = rig;
        _time = time;
        _collaborators = collaborators;
        _streams = streams;
        _store = store;
        _clock = clock;
        _logger = logger;
        _timestamper = new StreamTimestamper(clock);
        foreach (var d in streams) _timestamper.Register(d);
        _stats = streams.ToDictionary(d => d.Id, d => new StreamStats(d));
        _markerButtons = streams.Where(d => d.Parameters.GetValueOrDefault("role") == "marker-button").Select(d => d.Id).ToHashSet();
    }

    public IReadOnlyList<StreamDescriptor> Streams => _streams;

    /// <summary>The observer of the recording session, if any.</summary>
    public ISessionObserver? ActiveObserver => _active?.Observer;

    public Session? Active => _active?.Session;

    /// <summary>How far recording is behind capture (0..1; 0 when idle). Pulls and exports yield while it is high.</summary>
    public double RecordingBacklog => _active?.Backlog ?? 0;

    /// <summary>Waits while recording is behind, so background work (pulls, exports) runs below recording in priority.</summary>
    public async Task YieldToRecordingAsync(CancellationToken cancellationToken)
    {
        for (int i = 0; i < 200 && RecordingBacklog > 0.25; i++)
            await Task.Delay(TimeSpan.FromMilliseconds(10), _time, cancellationToken);
    }

    /// <summary>The latest sample of a stream (for previews), if any arrived.</summary>
    public Sample? Latest(StreamId stream) => _stats.TryGetValue(stream, out var s) ? s.Last : null;

    public void Publish(Sample sample)
    {
        var stamped = _timestamper.Stamp(sample);
        _stats[sample.Stream].Observe(stamped);
        GpioEdgePayload? pressed = _markerButtons.Contains(sample.Stream) && GpioEdgePayload.TryRead(sample.Payload.Span, out var edge) && edge.Rising ? edge : null;
        var recorder = _active;
        if (recorder is null && _armed is { } armed)
        {
            if (armed.Add(stamped))
            {
                if (pressed is not null) _ = Task.Run(() => TriggerFromButtonAsync(stamped.Rig.Time));
                return;
            }
            recorder = _active; // the buffer closed under us: a trigger just started the session
        }
        if (recorder is null) return;
        recorder.Publish(stamped);
        if (pressed is { } button)
            recorder.QueueMarker(new Marker(stamped.Rig.Time, "button", $"GPIO line {button.Line}", "gpio"));
    }

    /// <summary>Records a device event (unplugged, back) into the recording session, if any, at its time: gaps have a start and an end.</summary>
    public void AddDeviceEvent(HostTime at, string label, string note)
    {
        if (_active is { } recorder)
            recorder.QueueMarker(new Marker(_clock.ToRig(at).Time, label, note, "device"));
    }

    /// <summary>Arms the pre-trigger buffer: the last <paramref name="preTrigger"/> of every stream (at most <paramref name="maxBytes"/>) is held in memory until a trigger.</summary>
    /// <exception cref="InvalidRigStateException">a session is recording.</exception>
    public async Task<ArmedStatus> ArmAsync(Duration preTrigger, long maxBytes, SessionRequest request)
    {
        if (preTrigger <= Duration.Zero || preTrigger > Duration.FromSeconds(600)) throw new ArgumentException($"pre_trigger_seconds must be in (0, 600], was {preTrigger.TotalSeconds}");
        if (maxBytes is < 1024 * 1024 or > 4L * 1024 * 1024 * 1024) throw new ArgumentException($"max_bytes must be 1 MiB..4 GiB, was {maxBytes}");
        await _lifecycle.WaitAsync();
        try
        {
            if (_active is { } current) throw new InvalidRigStateException($"session '{current.Session.Id}' is recording; stop it before arming");
            _armedRequest = request;
            _armed = new PreTriggerBuffer(preTrigger, maxBytes);
            _logger.LogInformation("Armed: holding the last {Seconds} s (at most {MiB} MiB) until a trigger", preTrigger.TotalSeconds, maxBytes / 1048576);
            return Status().Armed!;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <exception cref="InvalidRigStateException">the rig is not armed.</exception>
    public async Task DisarmAsync()
    {
        await _lifecycle.WaitAsync();
        try
        {
            if (_armed is null) throw new InvalidRigStateException("the rig is not armed");
            _armed = null;
            _armedRequest = null;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Starts the armed session; it begins with the buffered samples, up to the pre-trigger span in the past.</summary>
    /// <exception cref="InvalidRigStateException">the rig is not armed.</exception>
    public async Task<Session> TriggerAsync()
    {
        await _lifecycle.WaitAsync();
        try
        {
            if (_armed is not { } buffer || _armedRequest is not { } request) throw new InvalidRigStateException("the rig is not armed; arm it first (edgerig record arm)");
            var start = buffer.Oldest ?? _clock.RigNow;
            var recorder = CreateRecorder(request, start);
            _active = recorder; // live samples now go to the session's channels
            _armed = null;
            var held = buffer.Close();
            try
            {
                recorder.Start(held);
            }
            catch
            {
                _active = null;
                throw;
            }
            _armedRequest = null;
            _logger.LogInformation("Triggered session {Session}, starting {Seconds:0.0} s in the past with {Samples} buffered samples",
                recorder.Session.Id, (_clock.RigNow - start).TotalSeconds, held.Values.Sum(l => l.Count));
            return recorder.Session;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    private async Task TriggerFromButtonAsync(RigTime pressed)
    {
        try
        {
            var session = await TriggerAsync();
            AddMarkerTo(session, new Marker(pressed, "trigger", "marker button", "gpio"));
        }
        catch (InvalidRigStateException) { /* already triggered or disarmed */ }
        catch (Exception e) when (e is IOException or StorageFullException)
        {
            _logger.LogError("Trigger from the marker button failed: {Reason}", e.Message);
        }
    }

    private void AddMarkerTo(Session session, Marker marker)
    {
        if (_active is { } recorder && recorder.Session.Id == session.Id) recorder.QueueMarker(marker);
    }

    /// <exception cref="InvalidRigStateException">a session is already recording.</exception>
    public async Task<Session> StartAsync(string name, string @operator, IReadOnlyDictionary<string, string> tags)
    {
        await _lifecycle.WaitAsync();
        try
        {
            if (_active is { } current)
                throw new InvalidRigStateException($"session '{current.Session.Id}' is already recording; stop it first");
            var recorder = CreateRecorder(new SessionRequest(name, @operator, tags), _clock.RigNow);
            recorder.Start();
            _active = recorder;
            _armed = null; // a manual start ends armed mode
            _logger.LogInformation("Recording session {Session} ({Name}) by {Operator}", recorder.Session.Id, recorder.Session.Name, @operator);
            return recorder.Session;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    private SessionRecorder CreateRecorder(SessionRequest request, RigTime start)
    {
        if (_collaborators.StartGate.RefusalReason() is { } blocked)
            throw new InvalidRigStateException($"recording refused: {blocked}");
        string id = $"{start.ToDateTimeOffset():yyyyMMdd-HHmmss}-{Random.Shared.Next(0x10000):x4}";
        var session = new Session(id, string.IsNullOrWhiteSpace(request.Name) ? id : request.Name, request.Operator, request.Tags, start, null, SessionState.Recording, _rig.Name)
        {
            Calibration = _collaborators.Calibration.ProfileReference() ?? "",
        };
        var channels = _streams.Select(d =>
        {
            var device = _rig.Devices.FirstOrDefault(x => x.StreamName == d.Id.Value);
            int capacity = device is { QueueCapacity: > 0 } ? device.QueueCapacity : StreamChannel.DefaultCapacity(d);
            return new StreamChannel(d, capacity, device?.DropPolicy ?? DropPolicy.DropOldest);
        }).ToList();
        var recorder = new SessionRecorder(session, channels, _rig.Recording, _store, _clock, _time, _logger, _collaborators.Lifecycle.Starting(session, _streams));
        recorder.Failed += OnRecorderFailed;
        return recorder;
    }

    /// <exception cref="InvalidRigStateException">nothing is recording.</exception>
    public async Task<SessionRecord> StopAsync(string reason = "stopped by user")
    {
        await _lifecycle.WaitAsync();
        try
        {
            var recorder = _active ?? throw new InvalidRigStateException("no session is recording");
            // status shows why as soon as it shows the session stopped (the close and its QA report take a while)
            _lastStopReason = recorder.Failure ?? reason;
            _active = null;
            var record = await recorder.StopAsync(reason);
            try
            {
                _collaborators.Lifecycle.Finished(record, recorder.Observer);
                record = _store.GetSession(record.Session.Id);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _logger.LogError(e, "Finishing session {Session} (QA report) failed; the recording is kept", record.Session.Id);
            }
            if (record.Session.StopReason.Length > 0) _lastStopReason = record.Session.StopReason; // else its close waits for disk space
            _logger.LogInformation("Stopped session {Session}: {Reason}; {Summary}", record.Session.Id, record.Session.StopReason,
                string.Join(", ", record.Counts.Select(kv => $"{kv.Key} {kv.Value.Recorded}/{kv.Value.Produced} (dropped {kv.Value.Dropped})")));
            return record;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <exception cref="InvalidRigStateException">nothing is recording.</exception>
    /// <exception cref="ArgumentException">the label is empty or too long.</exception>
    public Marker AddMarker(string label, string note)
    {
        if (string.IsNullOrWhiteSpace(label)) throw new ArgumentException("marker label must not be empty", nameof(label));
        if (label.Length > 200) throw new ArgumentException($"marker label is {label.Length} characters; at most 200", nameof(label));
        if (note.Length > 2000) throw new ArgumentException($"marker note is {note.Length} characters; at most 2000", nameof(note));
        var recorder = _active ?? throw new InvalidRigStateException("no session is recording; start one before adding a marker");
        var marker = new Marker(_clock.RigNow, label, note);
        recorder.AddMarker(marker);
        return marker;
    }

    public RecordingStatus Status()
    {
        var recorder = _active;
        var counts = recorder?.Counts;
        var now = _clock.Now;
        var streams = _stats.Values.Select(s =>
        {
            var mapper = _timestamper.MapperOf(s.Descriptor.Id);
            return new StreamStatus(s.Descriptor, s.IsLive(now), s.RateHz, s.Total,
                counts?.GetValueOrDefault(s.Descriptor.Id.Value) ?? StreamCounts.Empty,
                s.Last?.Rig.ErrorBound ?? Duration.Zero, mapper?.DriftPpm ?? 0);
        }).ToList();
        var armed = _armed;
        var armedStatus = armed is null ? null
            : new ArmedStatus(armed.Span, armed.MaxBytes, armed.Bytes, armed.Oldest, _armedRequest?.Name ?? "");
        return new RecordingStatus(recorder?.Session, streams, _lastStopReason, armedStatus);
    }

    private void OnRecorderFailed(SessionRecorder recorder, string reason)
    {
        // the writer task cannot wait for the lifecycle lock it may be stopped under; finish on the pool
        _ = Task.Run(async () =>
        {
            if (_active != recorder) return;
            try { await StopAsync(reason); }
            catch (InvalidRigStateException) { }
            catch (Exception e) { _logger.LogError(e, "Closing session {Session} after a storage failure failed", recorder.Session.Id); }
        });
    }
}
